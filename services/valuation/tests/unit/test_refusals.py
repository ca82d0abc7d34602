"""Refusals and the problem+json answer each becomes (service/errors.py), without I/O."""

import pytest

from valuation.domain.exchange import check_awaiting_handover
from valuation.domain.handover import check_checklist
from valuation.domain.refusal import DeviceNotEligible, Refused, not_found
from valuation.service.errors import problem_of


@pytest.mark.parametrize(("code", "status"), [
    ("not_found", 404), ("quote_expired", 409), ("exchange_already_open", 409), ("exchange_not_cancellable", 409),
    ("exchange_not_awaiting_handover", 409), ("pricing_unavailable", 503), ("imei_invalid", 422), ("validation_error", 422),
])  # fmt: skip
def test_each_code_answers_with_its_status(code: str, status: int):
    assert problem_of(Refused(code, "why")).status == status


def test_a_refusal_names_its_field_and_carries_its_facts_and_whether_a_retry_runs_afresh():
    problem = problem_of(Refused("validation_error", "Only a retail partner in store can vouch for the device.", "device_present", field_error="retail partners only"))
    assert problem.errors == [{"field": "device_present", "message": "retail partners only"}] and not problem.retryable
    assert problem_of(not_found("quote")).errors is None and problem_of(not_found("quote")).detail == "No such quote."
    ineligible = problem_of(DeviceNotEligible(["screen_cracked", "body_bent"]))
    assert (ineligible.status, ineligible.code, ineligible.extra) == (422, "device_not_eligible", {"reasons": ["screen_cracked", "body_bent"]})
    assert problem_of(Refused("exchange_already_open", "lost the race", retryable=True)).retryable


def test_a_handover_too_early_may_be_retried_with_its_key_but_not_one_for_a_closed_exchange():
    for status, retryable in (("coupon_issued", True), ("cancelling", True), ("completed", False), ("revoked", False)):
        with pytest.raises(Refused) as refused:
            check_awaiting_handover(status)
        assert (refused.value.code, refused.value.retryable) == ("exchange_not_awaiting_handover", retryable)
    check_awaiting_handover("awaiting_handover")


def test_an_unfinished_checklist_lists_what_is_missing():
    with pytest.raises(Refused) as refused:
        check_checklist({"screen_lock_removed": True})
    assert refused.value.facts == {"missing": ["accounts_removed", "memory_card_removed"]}
