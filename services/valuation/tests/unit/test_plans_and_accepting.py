"""A plan's floor and its phone, and what accepting a quote pays, without I/O."""

from datetime import UTC, date, datetime, timedelta

import pytest

from valuation.domain.condition import Condition
from valuation.domain.plan import Plan, Window, assured_floor, check_owner, plan_ended_by_exchange
from valuation.domain.pricing import Assured, Offer
from valuation.domain.quote import Quote
from valuation.domain.refusal import DeviceNotEligible, Refused

SCHEDULE = (Window(date(2021, 2, 5), date(2021, 5, 4), 70, 839_930), Window(date(2021, 5, 5), date(2021, 8, 4), 60, 719_940))
IN_WINDOW, BEFORE_WINDOWS, LAPSES_ON = date(2021, 3, 1), date(2021, 1, 10), date(2022, 2, 5)
NOW = datetime(2021, 3, 1, 6, 30, tzinfo=UTC)
MINIMUM = 10_000


def plan(plan_id: str = "pln_1", account: str = "acc-1", status: str = "active", lapses_on: date = LAPSES_ON) -> Plan:
    return Plan(plan_id, account, "phone", "111", "222", status, SCHEDULE, lapses_on)


def quote(assured: Assured | None, market_offer: int = 800_000, accepted: bool = False) -> Quote:
    amount = max(market_offer, assured.amount_paise if assured else 0)
    offer = Offer(market_offer, (), market_offer, assured, amount)
    return Quote("qte_1", "acc-1", None, "111", "phone", Condition(True, "flawless", "flawless"), offer, accepted, NOW + timedelta(hours=72), NOW)


FLOORED = Assured("pln_1", 70, 839_930)


def test_a_plan_is_in_force_while_live_and_before_its_lapse_day():
    assert plan().in_force_on(IN_WINDOW)
    assert not plan(lapses_on=IN_WINDOW).in_force_on(IN_WINDOW)  # the lapse day itself, PlanLapsed or not
    for closed in ("cancelled", "redeemed", "lapsed", "traded_in"):
        assert not plan(status=closed).in_force_on(IN_WINDOW)


def test_the_floor_is_the_window_of_the_day_and_only_for_the_plans_account():
    assert plan().assured_on(IN_WINDOW) == FLOORED
    assert plan().assured_on(BEFORE_WINDOWS) is None
    assert assured_floor([plan(account="acc-2"), plan()], "acc-1", IN_WINDOW) == FLOORED
    assert assured_floor([plan(account="acc-2")], "acc-1", IN_WINDOW) is None


def test_a_plans_phone_is_taken_only_from_its_account():
    check_owner([], "acc-9")
    check_owner([plan()], "acc-1")
    with pytest.raises(DeviceNotEligible) as refused:
        check_owner([plan()], "acc-9")
    assert refused.value.reasons == ["registered_to_another_account"]


def test_every_exchange_of_a_plan_phone_ends_the_accounts_plan_in_force_the_quotes_own_first():
    assert plan_ended_by_exchange([plan()], "acc-1", None, BEFORE_WINDOWS) == plan()  # months 1–3: no floor, still the plan
    assert plan_ended_by_exchange([plan("pln_0"), plan("pln_1")], "acc-1", "pln_1", IN_WINDOW) == plan("pln_1")
    assert plan_ended_by_exchange([plan(lapses_on=IN_WINDOW)], "acc-1", "pln_1", IN_WINDOW) is None
    assert plan_ended_by_exchange([plan(account="acc-2")], "acc-1", None, IN_WINDOW) is None


def test_only_an_offered_quote_within_its_72_hours_is_accepted():
    quote(FLOORED).check_open(NOW + timedelta(hours=71, minutes=59))
    with pytest.raises(Refused) as expired:
        quote(FLOORED).check_open(NOW + timedelta(hours=72))
    assert expired.value.code == "quote_expired"
    with pytest.raises(Refused) as accepted:
        quote(FLOORED, accepted=True).check_open(NOW)
    assert accepted.value.code == "exchange_already_open"


def test_a_floor_that_stands_pays_the_quote_as_offered():
    assert quote(FLOORED).offer_at_accept(floor_stands=True, minimum_paise=MINIMUM) == quote(FLOORED).offer
    assert quote(None).offer_at_accept(floor_stands=False, minimum_paise=MINIMUM) == quote(None).offer


def test_a_floor_whose_plan_is_gone_pays_the_market_offer_as_a_plain_exchange():
    paid = quote(FLOORED).offer_at_accept(floor_stands=False, minimum_paise=MINIMUM)
    assert (paid.amount_paise, paid.assured, paid.program) == (800_000, None, "exchange")


def test_a_floor_whose_plan_is_gone_over_a_market_offer_below_the_minimum_is_no_offer():
    with pytest.raises(DeviceNotEligible) as refused:
        quote(FLOORED, market_offer=9_900).offer_at_accept(floor_stands=False, minimum_paise=MINIMUM)
    assert refused.value.reasons == ["no_value"]
