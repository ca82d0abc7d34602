"""The coupon's rules: which line it pays for, how much, when it expires, and held time."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coupon.domain.coupon import (
    CatalogEntry,
    Coupon,
    CouponExpired,
    CouponNotActive,
    Eligibility,
    NoEligibleItem,
    OrderLine,
    apply_to_order,
    expiry_after_release,
    expiry_of,
)

ISSUED = datetime(2021, 3, 1, 6, 30, tzinfo=UTC)
MI_REDMI_PHONES = Eligibility.of(["Mi", "Redmi"], ["smartphone"])
CATALOG = {
    "redmi-9": CatalogEntry("redmi-9", "Redmi", "smartphone"),
    "mi-10": CatalogEntry("mi-10", "Mi", "smartphone"),
    "mi-charger": CatalogEntry("mi-charger", "Mi", "accessory"),
    "mi-pad": CatalogEntry("mi-pad", "Mi", "tablet"),
    "galaxy": CatalogEntry("galaxy", "Samsung", "smartphone"),
}


def coupon(status: str = "active") -> Coupon:
    return Coupon("cpn_1", "AAAA-BBBB-CCCC-DDDD", "exc_1", "acc_1", 1_000_000, status, ISSUED, expiry_of(ISSUED, 14))


def test_a_coupon_is_valid_for_fourteen_days_from_acceptance() -> None:
    assert coupon().expires_at == datetime(2021, 3, 15, 6, 30, tzinfo=UTC)


def test_a_coupon_is_usable_until_the_instant_before_it_expires_and_not_at_that_instant() -> None:
    c = coupon()
    c.check_redeemable(c.expires_at - timedelta(microseconds=1))
    assert c.status_at(c.expires_at) == "expired"
    with pytest.raises(CouponExpired):
        c.check_redeemable(c.expires_at)


@pytest.mark.parametrize("status", ["redeemed", "void", "expired"])
def test_a_coupon_that_is_not_active_cannot_be_used(status: str) -> None:
    with pytest.raises((CouponNotActive, CouponExpired)):
        coupon(status).check_redeemable(ISSUED)


def test_the_coupon_pays_for_one_unit_of_the_dearest_eligible_line() -> None:
    lines = [OrderLine("a", "redmi-9", 1_000_000, 3), OrderLine("b", "mi-10", 4_999_900, 1), OrderLine("c", "galaxy", 9_000_000, 1)]
    discount = apply_to_order(1_200_000, lines, CATALOG, MI_REDMI_PHONES)
    assert (discount.line.line_id, discount.discount_paise, discount.forfeited_paise) == ("b", 1_200_000, 0)


def test_value_above_the_unit_price_is_forfeited_and_reported() -> None:
    discount = apply_to_order(1_200_000, [OrderLine("a", "redmi-9", 999_900, 2)], CATALOG, MI_REDMI_PHONES)
    assert (discount.discount_paise, discount.forfeited_paise) == (999_900, 200_100)


@pytest.mark.parametrize("model_id", ["mi-charger", "mi-pad", "galaxy", "unknown-phone"])
def test_an_order_without_a_mi_or_redmi_smartphone_gets_no_discount(model_id: str) -> None:
    with pytest.raises(NoEligibleItem):
        apply_to_order(1_000_000, [OrderLine("a", model_id, 2_000_000, 1)], CATALOG, MI_REDMI_PHONES)


def test_eligible_brands_and_categories_are_configurable_and_case_blind() -> None:
    tablets_too = Eligibility.of(["MI"], ["Smartphone", "tablet"])
    assert apply_to_order(1_000, [OrderLine("a", "mi-pad", 5_000, 1)], CATALOG, tablets_too).line.model_id == "mi-pad"


@given(
    amount=st.integers(10_000, 10**8),
    prices=st.lists(st.integers(0, 10**8), min_size=1, max_size=8),
)
def test_discount_plus_forfeit_is_always_the_coupon_amount_and_never_exceeds_the_price(amount: int, prices: list[int]) -> None:
    lines = [OrderLine(str(i), "redmi-9", price, 1) for i, price in enumerate(prices)]
    discount = apply_to_order(amount, lines, CATALOG, MI_REDMI_PHONES)
    assert discount.discount_paise + discount.forfeited_paise == amount
    assert 0 <= discount.discount_paise <= discount.line.unit_price_paise == max(prices)


def test_releasing_adds_the_time_the_order_held_the_coupon_back_to_its_expiry() -> None:
    expires = expiry_of(ISSUED, 14)
    held_from = ISSUED + timedelta(days=3)
    assert expiry_after_release(expires, held_from, held_from + timedelta(days=2, hours=5)) == expires + timedelta(days=2, hours=5)
