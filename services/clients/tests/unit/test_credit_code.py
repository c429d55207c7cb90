"""统一社会信用代码 check characters (GB 32100-2015) on known codes, edits of them
and generated ones."""
import pytest
from hypothesis import given, strategies as st

from services.clients.domain import credit_code as cc

# Published codes whose check character the algorithm must accept: the standard's
# own example (91350100M000100Y43) and the codes of well-known companies as shown on
# their business licences.
KNOWN_VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91440300708461136T",  # Huawei Technologies Co., Ltd. (Shenzhen)
    "9144030071526726XG",
    "91110108551385082Q",
    "914403001922038216",
]
# Look right but carry the wrong check character (the right one in the comment)
KNOWN_INVALID = [
    ("911100001000013223", "A"),
    ("91310000MA1FL8TQ3W", "6"),
    ("91330000MA27U00M3E", "M"),
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert cc.validate(code) == code
    assert cc.check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code,right", KNOWN_INVALID)
def test_known_codes_with_a_wrong_check_character_are_refused(code, right):
    with pytest.raises(cc.CreditCodeError) as err:
        cc.validate(code)
    assert "check character" in err.value.en and "校验位" in err.value.zh
    assert cc.check_character(code[:17]) == right
    assert cc.is_valid(code[:17] + right)


def test_the_weights_are_powers_of_three_mod_31():
    assert cc.WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert len(cc.ALPHABET) == 31 and not set("IOSVZ") & set(cc.ALPHABET)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_changing_any_one_character_makes_it_invalid(code):
    for position in range(18):
        for replacement in cc.ALPHABET:
            if replacement == code[position]:
                continue
            edited = code[:position] + replacement + code[position + 1:]
            if position in range(2, 8) and not replacement.isdigit():
                continue  # refused for another reason (division digits), tested below
            assert not cc.is_valid(edited), edited


def test_normalises_what_people_type():
    assert cc.validate(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert cc.validate("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"  # full-width
    assert cc.validate("913501-00M000-100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("code,word", [
    ("91350100M000100Y4", "18"),
    ("91350100M000100Y433", "18"),
    ("", "18"),
    ("91350100M000100O43", "invalid characters"),  # O is not in the alphabet
    ("91350100I000100Y43", "invalid characters"),
    ("9135A100M000100Y43", "division"),
])
def test_malformed_codes_say_why(code, word):
    with pytest.raises(cc.CreditCodeError) as err:
        cc.validate(code)
    assert word in err.value.en


body = st.tuples(st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
                 st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
                 st.text("0123456789", min_size=6, max_size=6),
                 st.text(cc.ALPHABET, min_size=9, max_size=9)).map("".join)


@given(body)
def test_a_generated_code_is_valid_and_every_single_substitution_is_caught(first17):
    code = cc.with_check_character(first17)
    assert cc.is_valid(code)
    # the check character is one in 31: any single substitution changes the sum mod 31
    for position in (0, 8, 16, 17):
        for replacement in "0AY":
            if replacement != code[position]:
                assert not cc.is_valid(code[:position] + replacement + code[position + 1:])


@given(body)
def test_swapping_two_different_adjacent_characters_is_caught(first17):
    code = cc.with_check_character(first17)
    for i in range(8, 16):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            # weights of neighbours differ by a factor of 3, so a swap changes the sum
            assert not cc.is_valid(swapped), swapped
