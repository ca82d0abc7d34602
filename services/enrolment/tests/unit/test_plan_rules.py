"""The rules of selling and cancelling a plan, without a database."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.imei import luhn_check_digit
from enrolment.domain.catalog import CatalogModel, SrpPoint
from enrolment.domain.plan import PlanStatus, Sale, after_handover, check_cancellable, sell, sold_on
from servicekit.clock import BUSINESS_TZ
from servicekit.refusals import Refused

TODAY = date(2021, 3, 10)


def imei(tac: str, serial: str = "000001") -> str:
    body = tac + serial
    return body + str(luhn_check_digit(body))


MODEL = CatalogModel(
    id="redmi-9-prime-4gb-64gb",
    brand="Redmi",
    name="Redmi 9 Prime",
    category="smartphone",
    smart_upgrade_eligible=True,
    fee_paise=39_900,
    srp_history=(SrpPoint(date(2020, 8, 1), 1_099_900), SrpPoint(date(2021, 3, 5), 999_900)),
    tacs=frozenset({"86000001", "86000002"}),
)


def sale(**changes: Any) -> Sale:
    fields: dict[str, Any] = dict(
        model_id=MODEL.id, imei=imei("86000001"), imei2=imei("86000002"), invoice_number="INV-1",
        invoice_date=date(2021, 3, 8), account_id="acc_1", customer_phone="+919876543210",
    )
    return Sale(**(fields | changes))


def refusal(model, the_sale) -> str:
    with pytest.raises(Refused) as caught:
        sell(model, the_sale, TODAY)
    return caught.value.code


def test_a_sale_freezes_the_srp_in_effect_on_the_invoice_date_and_the_catalog_fee():
    terms = sell(MODEL, sale(invoice_date=date(2021, 3, 4)), TODAY)
    assert (terms.srp_paise, terms.fee_paise) == (1_099_900, 39_900)
    assert sell(MODEL, sale(invoice_date=date(2021, 3, 5)), TODAY).srp_paise == 999_900


def test_an_ineligible_or_unknown_model_is_refused():
    assert refusal(CatalogModel("x", "Samsung", "X", "smartphone", False, None, MODEL.srp_history, MODEL.tacs), sale()) == "model_not_eligible"
    assert refusal(None, sale()) == "model_not_eligible"


def test_a_malformed_imei_or_a_bad_check_digit_is_refused():
    assert refusal(MODEL, sale(imei="12345")) == "imei_invalid"
    good = imei("86000001")
    assert refusal(MODEL, sale(imei=good[:14] + str((int(good[14]) + 1) % 10))) == "imei_invalid"
    assert refusal(MODEL, sale(imei2=imei("86000001"))) == "imei_invalid"  # the same IMEI twice


def test_either_imei_of_another_model_is_a_mismatch():
    assert refusal(MODEL, sale(imei=imei("35000000"))) == "imei_model_mismatch"
    assert refusal(MODEL, sale(imei2=imei("35000000"))) == "imei_model_mismatch"


@pytest.mark.parametrize("invoice_date", [date(2021, 3, 11), date(2021, 3, 2)])
def test_an_invoice_in_the_future_or_older_than_seven_days_is_refused(invoice_date):
    assert refusal(MODEL, sale(invoice_date=invoice_date)) == "invoice_date_out_of_range"


@pytest.mark.parametrize("invoice_date", [TODAY, date(2021, 3, 3)])
def test_an_invoice_of_today_or_exactly_seven_days_ago_is_accepted(invoice_date):
    sell(MODEL, sale(invoice_date=invoice_date), TODAY)


def test_a_plan_can_be_cancelled_up_to_the_fourteenth_day_after_the_sale():
    check_cancellable(PlanStatus.ACTIVE, date(2021, 3, 1), date(2021, 3, 15))
    with pytest.raises(Refused):
        check_cancellable(PlanStatus.ACTIVE, date(2021, 3, 1), date(2021, 3, 16))


@pytest.mark.parametrize("status", [PlanStatus.BUYBACK_IN_PROGRESS, PlanStatus.CANCELLED, PlanStatus.REDEEMED, PlanStatus.TRADED_IN, PlanStatus.LAPSED])
def test_only_an_active_plan_can_be_cancelled(status):
    with pytest.raises(Refused) as caught:
        check_cancellable(status, TODAY, TODAY)
    assert caught.value.code == "plan_not_cancellable"


def test_the_sale_day_is_the_date_in_india():
    assert sold_on(datetime(2021, 3, 9, 20, 0, tzinfo=UTC), BUSINESS_TZ) == date(2021, 3, 10)


@pytest.mark.parametrize(
    ("program", "ended"), [("smart_upgrade", PlanStatus.REDEEMED), (None, PlanStatus.REDEEMED), ("exchange", PlanStatus.TRADED_IN)]
)
def test_a_handed_over_phone_ends_its_plan_redeemed_by_smart_upgrade_or_traded_in_by_a_plain_exchange(program, ended):
    """A completion from before valuation named the programme (None) was a Smart Upgrade redemption."""
    assert after_handover(program) == ended
