"""Who may take an IMEI over from another account's open exchange, and what that exchange becomes. No I/O."""

from typing import get_args

import pytest

from valuation.domain.claims import DEVICE_PRESENT, ONLINE, PLAN_OWNER, claim, may_supersede
from valuation.domain.exchange import OPEN, ExchangeStatus, spent_before_superseded, superseded_status


def test_a_plan_outranks_the_device_in_store_which_outranks_knowing_the_imei():
    assert claim(owns_plan=False, device_present=False) == ONLINE
    assert claim(owns_plan=False, device_present=True) == DEVICE_PRESENT
    assert claim(owns_plan=True, device_present=False) == claim(owns_plan=True, device_present=True) == PLAN_OWNER


@pytest.mark.parametrize(("new", "held", "wins"), [
    (DEVICE_PRESENT, ONLINE, True), (PLAN_OWNER, ONLINE, True), (PLAN_OWNER, DEVICE_PRESENT, True),
    (ONLINE, ONLINE, False), (DEVICE_PRESENT, DEVICE_PRESENT, False), (PLAN_OWNER, PLAN_OWNER, False), (ONLINE, DEVICE_PRESENT, False),
])  # fmt: skip
def test_only_a_strictly_stronger_claim_supersedes(new: int, held: int, wins: bool):
    assert may_supersede(new, held) is wins


def test_a_superseded_exchange_is_revoked_once_its_coupon_is_spent_else_cancelled():
    assert {status: superseded_status(status) for status in OPEN} == {
        "accepted": "cancelled", "coupon_issued": "cancelled", "cancelling": "cancelled", "awaiting_handover": "revoked",
    }  # fmt: skip
    for closed in set(get_args(ExchangeStatus)) - set(OPEN):
        with pytest.raises(ValueError):
            superseded_status(closed)


def test_only_a_superseded_cancellation_turns_into_a_revocation_when_the_coupon_turns_out_spent():
    assert spent_before_superseded("cancelled", "superseded")
    assert not spent_before_superseded("cancelled", "customer_cancelled")
    assert not spent_before_superseded("revoked", "superseded")
