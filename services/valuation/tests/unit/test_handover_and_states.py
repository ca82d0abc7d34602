"""Handover verdicts and the coupon-driven exchange states, without I/O."""

import pytest

from valuation.config import DEFAULT_DEDUCTIONS
from valuation.domain.condition import Condition
from valuation.domain.exchange import NotCancellable, after_coupon, cancel_outcome, is_open
from valuation.domain.handover import Verdict, judge, missing_checklist_items
from valuation.domain.pricing import Assured

AS_QUOTED = Condition(True, "flawless", "flawless", frozenset(), frozenset({"charger", "box", "invoice"}))


def verdict(found: Condition = AS_QUOTED, handed: str = "111", accepted: int = 800_000, assured: Assured | None = None) -> Verdict:
    return judge("111", accepted, 800_000, assured, handed, found, DEFAULT_DEDUCTIONS, 10_000)


def test_every_unchecked_item_is_named():
    assert missing_checklist_items({"screen_lock_removed": True, "accounts_removed": False}) == ["accounts_removed", "memory_card_removed"]
    assert missing_checklist_items(dict.fromkeys(("screen_lock_removed", "accounts_removed", "memory_card_removed"), True)) == []


def test_the_phone_as_quoted_completes():
    assert verdict().outcome == "completed"


def test_a_different_imei_revokes():
    assert (verdict(handed="222").outcome, verdict(handed="222").reasons) == ("revoked", ["imei_mismatch"])


def test_a_phone_worth_less_than_accepted_revokes():
    worse = Condition(True, "flawless", "dents", frozenset(), AS_QUOTED.accessories)
    assert (verdict(worse).outcome, verdict(worse).repriced_paise) == ("revoked", 720_000)


def test_a_phone_no_longer_eligible_revokes_with_its_reasons():
    broken = Condition(True, "cracked", "flawless")
    assert verdict(broken).reasons == ["not_eligible", "screen_cracked"]


def test_a_worse_phone_still_covered_by_the_assured_floor_completes():
    worse = Condition(True, "flawless", "dents", frozenset(), AS_QUOTED.accessories)
    assert verdict(worse, accepted=839_900, assured=Assured("pln_1", 70, 839_930)).outcome == "completed"


def test_coupon_progress_moves_only_from_the_states_it_applies_to():
    assert after_coupon("accepted", "issued") == "coupon_issued"
    assert after_coupon("coupon_issued", "redeemed") == "awaiting_handover"
    assert after_coupon("awaiting_handover", "released") == "coupon_issued"
    assert after_coupon("coupon_issued", "expired") == "cancelled"
    assert after_coupon("awaiting_handover", "expired") is None
    assert after_coupon("cancelled", "issued") is None
    assert is_open("awaiting_handover") and not is_open("revoked")


def test_a_customer_cancel_asks_first_and_holds_the_exchange_open_meanwhile():
    assert cancel_outcome("accepted") == cancel_outcome("coupon_issued") == "cancelling"
    assert cancel_outcome("cancelling") is None  # asked already: nothing more to do
    for too_late in ("awaiting_handover", "completed", "revoked", "cancelled"):
        with pytest.raises(NotCancellable):
            cancel_outcome(too_late)
    assert is_open("cancelling")


def test_a_cancelling_exchange_ends_with_its_coupon():
    assert after_coupon("cancelling", "voided") == "cancelled"
    assert after_coupon("cancelling", "redeemed") == "awaiting_handover"  # the cancel lost the race to an order
    assert after_coupon("cancelling", "expired") == "cancelled"
    assert after_coupon("cancelling", "issued") is None  # the code is recorded, the state stays
    assert after_coupon("cancelling", "released") is None
    assert after_coupon("coupon_issued", "voided") == "cancelled"
    for closed in ("cancelled", "revoked", "completed"):
        assert after_coupon(closed, "voided") is None
    assert after_coupon("awaiting_handover", "voided") is None
