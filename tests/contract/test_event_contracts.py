"""Contracts between services: what each consumer subscribes to is what its producer publishes."""

import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import catalog, coupon, enrolment, valuation
from contracts.base import Event
from coupon.events.inbound import subscriptions as coupon_subscriptions
from enrolment.events.inbound import subscriptions as enrolment_subscriptions
from eventing.envelope import Envelope
from eventing.outbox import Outbox
from eventing.tables import add_outbox
from servicekit.clock import FixedClock
from valuation.events.inbound import subscriptions as valuation_subscriptions

REPO = Path(__file__).resolve().parents[2]
PRODUCERS = {module.TOPIC: module for module in (catalog, enrolment, valuation, coupon)}
CONTRACTS = [member for module in PRODUCERS.values() for _, member in inspect.getmembers(module, inspect.isclass) if issubclass(member, Event) and member is not Event]


def consumers() -> dict[str, dict]:
    from sqlalchemy import MetaData

    outbox = Outbox(add_outbox(MetaData()), "/test")
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    return {
        "enrolment": enrolment_subscriptions(outbox, clock),
        "valuation": valuation_subscriptions(outbox, clock),
        "coupon": coupon_subscriptions(outbox, clock, 14),
    }


@pytest.mark.parametrize(("service", "event_type"), [(s, t) for s, subs in consumers().items() for t in subs])
def test_each_consumed_event_is_a_contract_of_the_topic_that_carries_it(service: str, event_type: str) -> None:
    contract = consumers()[service][event_type].contract
    assert contract.TYPE == event_type
    assert contract.__module__ == PRODUCERS[contract.TOPIC].__name__
    assert contract.TOPIC.split(".")[0] != service, "a service does not consume its own events"


@pytest.mark.parametrize(("service", "event_type"), [(s, t) for s, subs in consumers().items() for t in subs])
def test_each_consumed_event_is_actually_published_by_its_producer(service: str, event_type: str) -> None:
    contract = consumers()[service][event_type].contract
    producer = contract.TOPIC.split(".")[0]
    source = "\n".join(path.read_text() for path in (REPO / "services" / producer / producer).rglob("*.py"))
    assert f"{contract.__name__}(" in source, f"{producer} never builds {contract.__name__}"


# Amounts and counts in events are 64-bit integers (every API bounds its inputs well inside that);
# generated contracts, nested models included, draw their ints from that range.
st.register_type_strategy(int, st.integers(-(2**63), 2**63 - 1))


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_contract_survives_the_envelope_round_trip(contract: type[Event], data) -> None:  # type: ignore[no-untyped-def]
    event = data.draw(st.builds(contract))
    envelope = Envelope.wrap(event, "/test")
    assert Envelope.from_bytes(envelope.to_bytes()).open(contract) == event
    assert envelope.subject == event.aggregate_id() and envelope.type == contract.TYPE
