"""The CloudEvents envelope."""

from datetime import UTC, date, datetime

from contracts.catalog import ExchangeTerms, ModelUpserted, SmartUpgradeTerms, SrpPoint
from eventing.envelope import Envelope


def a_model(srp: int = 999900) -> ModelUpserted:
    return ModelUpserted(
        id="redmi-9-prime-4gb-64gb", brand="Redmi", name="Redmi 9 Prime", ram_gb=4, storage_gb=64, category="smartphone",
        launch_date=date(2020, 8, 6), srp_paise=srp, srp_history=[SrpPoint(effective_from=date(2020, 8, 6), srp_paise=srp)],
        tacs=["99000301"], smart_upgrade=SmartUpgradeTerms(eligible=True, fee_paise=39900), exchange=ExchangeTerms(eligible=True),
    )


def test_an_event_survives_the_round_trip_through_its_envelope() -> None:
    event = a_model()
    envelope = Envelope.wrap(event, "/catalog", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    back = Envelope.from_bytes(envelope.to_bytes())
    assert back == envelope
    assert back.open(ModelUpserted) == event


def test_the_envelope_is_a_cloudevent_keyed_by_the_aggregate() -> None:
    envelope = Envelope.wrap(a_model(), "/catalog")
    raw = envelope.model_dump(mode="json")
    assert raw["specversion"] == "1.0"
    assert raw["type"] == "catalog.ModelUpserted"
    assert raw["subject"] == "redmi-9-prime-4gb-64gb"
    assert raw["schemaversion"] == 1
    assert {"id", "source", "time", "data"} <= raw.keys()
    assert ("ce_type", b"catalog.ModelUpserted") in envelope.kafka_headers()


def test_each_envelope_gets_its_own_id() -> None:
    assert Envelope.wrap(a_model(), "/catalog").id != Envelope.wrap(a_model(), "/catalog").id
