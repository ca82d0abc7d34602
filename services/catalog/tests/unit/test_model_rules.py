"""Catalog rules: SRP in effect on a date, model checks, list filters."""

from datetime import date

import pytest

from catalog.domain.model import ModelRuleBroken, PhoneModel, SrpPoint, check
from catalog.service.queries import ModelFilter


def note_9_pro() -> PhoneModel:
    return PhoneModel(
        id="redmi-note-9-pro-4gb-64gb", brand="Redmi", name="Redmi Note 9 Pro", category="smartphone",
        srp_history=[SrpPoint(date(2020, 3, 17), 1299900), SrpPoint(date(2020, 4, 1), 1399900)],
        tacs=["99000801"], smart_upgrade_eligible=True, smart_upgrade_fee_paise=54900, exchange_eligible=True,
    )


def test_the_srp_in_effect_is_the_latest_that_started_on_or_before_the_day() -> None:
    model = note_9_pro()
    assert model.srp_on(date(2020, 3, 16)) is None
    assert model.srp_on(date(2020, 3, 17)) == 1299900
    assert model.srp_on(date(2020, 3, 31)) == 1299900
    assert model.srp_on(date(2020, 4, 1)) == 1399900
    assert model.srp_on(date(2026, 1, 1)) == 1399900


def test_a_second_price_for_the_same_day_replaces_the_first() -> None:
    model = note_9_pro()
    model.with_price(SrpPoint(date(2020, 4, 1), 1349900))
    assert [p.srp_paise for p in model.srp_history] == [1299900, 1349900]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "Redmi Note 9"}, "id"),
        ({"srp_history": []}, "srp_history"),
        ({"tacs": ["1234"]}, "tacs"),
        ({"tacs": ["99000801", "99000801"]}, "tacs"),
        ({"smart_upgrade_fee_paise": None}, "smart_upgrade.fee_paise"),
    ],
)
def test_a_model_breaking_a_rule_is_refused_naming_the_field(change: dict, field: str) -> None:
    model = note_9_pro()
    for key, value in change.items():
        setattr(model, key, value)
    with pytest.raises(ModelRuleBroken) as refused:
        check(model)
    assert refused.value.field == field


def test_filters_match_programme_brand_category_and_text() -> None:
    model = note_9_pro()
    assert ModelFilter(program="smart_upgrade").admits(model)
    assert ModelFilter(brand="redmi", category="smartphone", q="note 9").admits(model)
    assert not ModelFilter(brand="Mi").admits(model)
    model.exchange_eligible = False
    assert not ModelFilter(program="exchange").admits(model)
