"""Every refusal the coupon service raises leaves as the problem+json SPEC §10 gives its code."""

import re
from datetime import UTC, datetime
from pathlib import Path

from coupon.domain.coupon import CouponExpired, CouponNotActive, NoEligibleItem
from coupon.service.errors import STATUS, problem_of
from servicekit.refusals import Refused

PACKAGE = Path(__file__).resolve().parents[2] / "coupon"


def test_every_code_the_service_refuses_with_has_a_status() -> None:
    raised = {code for path in PACKAGE.rglob("*.py") for code in re.findall(r'(?:Refused|__init__)\(\s*"([a-z_]+)"', path.read_text())}
    assert {"not_found", "coupon_already_redeemed", "coupon_expired"} <= raised <= STATUS.keys(), raised - STATUS.keys()


def test_the_coupons_state_refusals_are_conflicts_that_tell_the_state() -> None:
    expired = problem_of(CouponExpired(datetime(2021, 3, 15, 6, 30, tzinfo=UTC)))
    assert (expired.status, expired.code, expired.extra) == (409, "coupon_expired", {"expires_at": "2021-03-15T06:30:00+00:00"})
    void = problem_of(CouponNotActive("void"))
    assert (void.status, void.code, void.detail, void.extra) == (409, "coupon_not_active", "The coupon is void.", {"status_now": "void"})
    assert (problem_of(NoEligibleItem()).status, problem_of(NoEligibleItem()).errors) == (422, None)


def test_a_field_keeps_its_own_message_and_a_passing_state_stays_retryable() -> None:
    partner = problem_of(Refused("validation_error", "A partner must name the customer's account.", "account_id", field_error="required for partners"))
    assert partner.errors == [{"field": "account_id", "message": "required for partners"}]
    assert problem_of(Refused("coupon_not_active", "Try again.", retryable=True)).retryable
