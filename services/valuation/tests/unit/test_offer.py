"""Pricing rules: deductions, eligibility, rounding, no_value and the assured floor."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valuation.config import DEFAULT_DEDUCTIONS
from valuation.domain.condition import Condition
from valuation.domain.plan import Window, window_on
from valuation.domain.pricing import Assured, Offer, make_offer, whole_rupees
from valuation.domain.refusal import DeviceNotEligible

FLAWLESS = Condition(True, "flawless", "flawless", frozenset(), frozenset({"charger", "box", "invoice"}))
PRICE = 1_000_000
MINIMUM = 10_000


def offer(condition: Condition = FLAWLESS, price: int = PRICE, assured: Assured | None = None) -> Offer:
    return make_offer(price, condition, DEFAULT_DEDUCTIONS, assured, MINIMUM)


CASES = [
    (Condition(True, "minor_scratches", "flawless", frozenset(), FLAWLESS.accessories), "screen_minor_scratches"),
    (Condition(True, "heavy_scratches", "flawless", frozenset(), FLAWLESS.accessories), "screen_heavy_scratches"),
    (Condition(True, "flawless", "minor_scratches", frozenset(), FLAWLESS.accessories), "body_minor_scratches"),
    (Condition(True, "flawless", "dents", frozenset(), FLAWLESS.accessories), "body_dents"),
    *[
        (Condition(True, "flawless", "flawless", frozenset({issue}), FLAWLESS.accessories), f"issue_{issue}")
        for issue in ("camera", "battery", "speaker", "microphone", "buttons", "wifi", "charging_port", "fingerprint", "face_unlock")
    ],
    *[(Condition(True, "flawless", "flawless", frozenset(), FLAWLESS.accessories - {item}), f"missing_{item}") for item in ("charger", "box", "invoice")],
]


@pytest.mark.parametrize(("condition", "reason"), CASES, ids=[reason for _, reason in CASES])
def test_each_finding_deducts_its_percent_of_the_market_price(condition, reason):
    result = offer(condition)
    assert [(d.reason, d.amount_paise) for d in result.deductions] == [(reason, PRICE * DEFAULT_DEDUCTIONS[reason] // 100)]
    assert result.market_offer_paise == PRICE - result.deductions[0].amount_paise


def test_a_flawless_phone_with_everything_has_no_deductions():
    assert offer().deductions == () and offer().amount_paise == PRICE and offer().program == "exchange"


@pytest.mark.parametrize(
    ("condition", "reasons"),
    [
        (Condition(False, "flawless", "flawless"), ["does_not_power_on"]),
        (Condition(True, "cracked", "flawless"), ["screen_cracked"]),
        (Condition(True, "dead_pixels", "flawless"), ["screen_dead_pixels"]),
        (Condition(True, "flawless", "cracked"), ["body_cracked"]),
        (Condition(True, "flawless", "bent"), ["body_bent"]),
        (Condition(True, "flawless", "flawless", frozenset({"touch"})), ["touch_not_working"]),
        (Condition(False, "dead_pixels", "cracked", frozenset({"touch", "camera"})), ["does_not_power_on", "screen_dead_pixels", "body_cracked", "touch_not_working"]),
    ],
)
def test_every_ineligibility_reason_is_listed(condition, reasons):
    with pytest.raises(DeviceNotEligible) as refused:
        offer(condition)
    assert refused.value.reasons == reasons


def test_an_offer_below_rs_100_is_not_made():
    with pytest.raises(DeviceNotEligible) as refused:
        offer(price=10_500, condition=Condition(True, "heavy_scratches", "flawless", frozenset(), FLAWLESS.accessories))
    assert refused.value.reasons == ["no_value"]
    assert offer(price=10_000).amount_paise == 10_000


def test_the_offer_is_rounded_down_to_whole_rupees():
    assert offer(price=123_456).amount_paise == 123_400
    assert whole_rupees(99) == 0 and whole_rupees(-5) == 0


def test_the_assured_floor_wins_when_it_is_higher_and_is_paid_to_the_paisa_the_plan_shows():
    result = offer(price=500_000, assured=Assured("pln_1", 70, 839_930))
    assert (result.market_offer_paise, result.amount_paise, result.program) == (500_000, 839_930, "smart_upgrade")


def test_the_market_offer_wins_when_it_is_higher_but_the_programme_stays_smart_upgrade():
    result = offer(price=2_000_000, assured=Assured("pln_1", 40, 479_960))
    assert (result.amount_paise, result.program) == (2_000_000, "smart_upgrade")


def test_the_assured_floor_does_not_make_a_damaged_phone_eligible():
    with pytest.raises(DeviceNotEligible):
        offer(Condition(True, "cracked", "flawless"), assured=Assured("pln_1", 70, 839_930))


def test_a_day_is_in_a_window_from_its_first_to_its_last_day_inclusive():
    schedule = (Window(date(2021, 2, 5), date(2021, 5, 4), 70, 1), Window(date(2021, 5, 5), date(2021, 8, 4), 60, 2))
    assert window_on(schedule, date(2021, 2, 4)) is None
    for day, percent in [(date(2021, 2, 5), 70), (date(2021, 5, 4), 70), (date(2021, 5, 5), 60)]:
        window = window_on(schedule, day)
        assert window is not None and window.percent == percent, day
    assert window_on(schedule, date(2021, 8, 5)) is None


conditions = st.builds(
    Condition,
    powers_on=st.just(True),
    screen=st.sampled_from(["flawless", "minor_scratches", "heavy_scratches"]),
    body=st.sampled_from(["flawless", "minor_scratches", "dents"]),
    functional_issues=st.frozensets(st.sampled_from(["camera", "battery", "speaker", "microphone", "buttons", "wifi", "charging_port", "fingerprint", "face_unlock"])),
    accessories=st.frozensets(st.sampled_from(["charger", "box", "invoice"])),
)


@given(price=st.integers(1, 20_000_000), condition=conditions, assured=st.none() | st.integers(0, 10_000_000))
def test_an_offer_is_the_better_of_whole_rupee_market_offer_and_exact_floor_and_never_below_rs_100(price, condition, assured):
    floor = Assured("pln_1", 70, assured) if assured is not None else None
    try:
        result = offer(condition, price, floor)
    except DeviceNotEligible as refused:
        assert refused.reasons == ["no_value"]
        return
    assert result.amount_paise >= MINIMUM and result.market_offer_paise % 100 == 0
    assert result.amount_paise == max(result.market_offer_paise, assured or 0)
    assert result.market_offer_paise == whole_rupees(price - sum(d.amount_paise for d in result.deductions))
