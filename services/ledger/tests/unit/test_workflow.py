"""The voucher workflow's rules (domain/workflow.py), without a database: who may
review, what may be posted, what may be changed."""
from types import SimpleNamespace

import pytest

from services.ledger.domain.workflow import (
    POSTED_BY_THE_LEDGER, check_draft, check_postable, check_review, check_unreviewable, may_review)
from servicekit.errors import Conflict, Forbidden

ANNA, BO = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def voucher(status="draft", created_by=ANNA, source="manual", period="2026-03", **extra):
    return SimpleNamespace(id=extra.pop("id", "v1"), status=status, created_by=created_by, source=source,
                           period=period, word="记", number=extra.pop("number", 1), **extra)


# -- the reviewer differs from the creator -----------------------------------------------------

def test_a_person_may_not_review_their_own_voucher():
    assert not may_review(ANNA, ANNA, allow_self_review=False)
    assert may_review(BO, ANNA, allow_self_review=False)


def test_ids_compare_as_text():
    import uuid
    assert not may_review(ANNA, uuid.UUID(ANNA), allow_self_review=False)


def test_the_book_may_allow_self_review():
    assert may_review(ANNA, ANNA, allow_self_review=True)


def test_a_voucher_made_by_the_system_has_no_creator_to_differ_from():
    assert may_review(ANNA, None, allow_self_review=False)


def test_carry_forward_is_generated_and_posted_by_the_ledger_so_it_is_exempt():
    assert "carry_forward" in POSTED_BY_THE_LEDGER
    assert may_review(ANNA, ANNA, allow_self_review=False, source="carry_forward")


@pytest.mark.parametrize("source", ["manual", "accrual", "reversal", "import", "batch", "template"])
def test_drafts_made_for_a_person_are_reviewed_by_another(source):
    assert not may_review(ANNA, ANNA, allow_self_review=False, source=source)


def test_check_review_lists_every_own_voucher():
    vouchers = [voucher(id="a", created_by=ANNA), voucher(id="b", created_by=BO), voucher(id="c", created_by=ANNA)]
    with pytest.raises(Forbidden) as raised:
        check_review(ANNA, vouchers, allow_self_review=False)
    assert raised.value.code == "SELF_REVIEW_FORBIDDEN"
    assert raised.value.status == 403
    assert raised.value.details["voucher_ids"] == ["a", "c"]
    check_review(ANNA, vouchers, allow_self_review=True)
    check_review(BO, [vouchers[0]], allow_self_review=False)


def test_only_a_draft_is_reviewed():
    with pytest.raises(Conflict) as raised:
        check_review(BO, [voucher(status="reviewed")], allow_self_review=False)
    assert (raised.value.code, raised.value.details["expected"]) == ("VOUCHER_STATUS", "draft")


def test_status_is_checked_before_the_reviewer():
    with pytest.raises(Conflict):
        check_review(ANNA, [voucher(status="posted", created_by=ANNA)], allow_self_review=False)


# -- posting ---------------------------------------------------------------------------------------

def postable(vouchers, opening_balanced=True, last_closed=None, first_open="2026-01"):
    check_postable(vouchers, opening_balanced=opening_balanced, last_closed=last_closed, first_open=first_open)


def test_a_reviewed_voucher_in_an_open_period_posts():
    postable([voucher(status="reviewed")], last_closed="2026-02", first_open="2026-03")


@pytest.mark.parametrize("status", ["draft", "posted"])
def test_only_a_reviewed_voucher_posts(status):
    with pytest.raises(Conflict) as raised:
        postable([voucher(status=status)])
    assert (raised.value.code, raised.value.details["expected"]) == ("VOUCHER_STATUS", "reviewed")


def test_nothing_posts_while_the_opening_balances_do_not_balance():
    with pytest.raises(Conflict) as raised:
        postable([voucher(status="reviewed")], opening_balanced=False)
    assert raised.value.code == "OPENING_UNBALANCED"


def test_nothing_posts_into_a_closed_period():
    with pytest.raises(Conflict) as raised:
        postable([voucher(status="reviewed", period="2026-04"), voucher(status="reviewed", period="2026-02")],
                 last_closed="2026-02", first_open="2026-03")
    assert raised.value.code == "PERIOD_CLOSED"
    assert raised.value.details == {"period": "2026-02", "first_open_period": "2026-03"}


# -- changing --------------------------------------------------------------------------------------

def test_only_a_draft_is_changed():
    check_draft(voucher(), "修改", "change")
    with pytest.raises(Conflict) as raised:
        check_draft(voucher(status="reviewed"), "修改", "change")
    assert raised.value.code == "VOUCHER_STATUS"
    with pytest.raises(Conflict) as raised:
        check_draft(voucher(status="posted"), "修改", "change")
    assert raised.value.code == "VOUCHER_POSTED"


def test_only_a_reviewed_voucher_is_unreviewed():
    check_unreviewable(voucher(status="reviewed"))
    with pytest.raises(Conflict) as raised:
        check_unreviewable(voucher(status="draft"))
    assert raised.value.code == "VOUCHER_STATUS"
    with pytest.raises(Conflict) as raised:
        check_unreviewable(voucher(status="posted"))
    assert raised.value.code == "VOUCHER_POSTED"
