"""Account codes 4-2-2-2 and choosing a sub-account's code."""
import pytest

from servicekit.errors import BadRequest, Conflict
from services.ledger.domain.accounts import child_code, is_under, level_of, parent_of


@pytest.mark.parametrize("code,level", [("1002", 1), ("100201", 2), ("10020101", 3), ("1002010101", 4),
                                        ("100", None), ("10020", None), ("100201010101", None), ("10a2", None),
                                        ("", None), (None, None)])
def test_levels(code, level):
    assert level_of(code) == level


def test_parents():
    assert parent_of("1002") is None and parent_of("100201") == "1002" and parent_of("1002010101") == "10020101"
    assert is_under("10020101", "1002") and is_under("1002", "1002") and not is_under("100301", "1002")


def test_next_free_code():
    assert child_code("1002", []) == "100201"
    assert child_code("1002", ["100201", "100202"]) == "100203"
    assert child_code("1002", ["100205"]) == "100206"  # after the highest, not into the gaps
    assert child_code("100201", ["10020101"]) == "10020102"
    full = [f"1002{n:02d}" for n in range(1, 100) if n != 50]
    assert child_code("1002", full) == "100250"  # 99 is used: the lowest free one


def test_wanted_codes():
    assert child_code("1002", ["100201"], "100209") == "100209"
    for wanted in ("100301", "1002001", "10020", "100200"):
        with pytest.raises(BadRequest) as caught:
            child_code("1002", [], wanted)
        assert caught.value.code == "ACCOUNT_CODE_INVALID"
    with pytest.raises(Conflict) as caught:
        child_code("1002", ["100201"], "100201")
    assert caught.value.code == "ACCOUNT_EXISTS"


def test_limits():
    with pytest.raises(BadRequest) as caught:
        child_code("1002010101", [])
    assert caught.value.code == "ACCOUNT_TOO_DEEP"
    with pytest.raises(Conflict) as caught:
        child_code("1002", [f"1002{n:02d}" for n in range(1, 100)])
    assert caught.value.code == "ACCOUNT_CODES_EXHAUSTED"
