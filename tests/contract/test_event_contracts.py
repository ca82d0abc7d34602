"""Contracts between services: what each consumer subscribes to is what its producer publishes.

The producers are driven for real: the four services run in-process on scratch SQLite databases,
their relays and consumers wired through one real broker, and a customer's journeys (a plan sold,
cancelled, redeemed by an exchange, lapsed; exchanges completed, cancelled, expired) make every
service publish every event type another service consumes. The events are then read off the
topics and must open as the consumer's contract.
"""

import asyncio
import importlib
import inspect
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import catalog, coupon, enrolment, valuation
from contracts.base import Event
from contracts.imei import luhn_check_digit
from coupon.events.inbound import subscriptions as coupon_subscriptions
from enrolment.events.inbound import subscriptions as enrolment_subscriptions
from eventing.envelope import Envelope
from eventing.outbox import Outbox
from eventing.tables import add_outbox
from eventing.testing import caught_up, eventually, read_to_end, running_broker
from notification.events.inbound import subscriptions as notification_subscriptions
from servicekit.clock import FixedClock
from servicekit.settings import ServiceSettings
from servicekit.testing import migrated_database, principal_headers, service_client
from valuation.events.inbound import subscriptions as valuation_subscriptions

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
        "notification": notification_subscriptions(clock),
    }


CONSUMED = [(service, event_type) for service, subs in consumers().items() for event_type in subs]


@pytest.mark.parametrize(("service", "event_type"), CONSUMED)
def test_each_consumed_event_is_a_contract_of_the_topic_that_carries_it(service: str, event_type: str) -> None:
    contract = consumers()[service][event_type].contract
    assert contract.TYPE == event_type
    assert contract.__module__ == PRODUCERS[contract.TOPIC].__name__
    assert contract.TOPIC.split(".")[0] != service, "a service does not consume its own events"


@pytest.mark.parametrize(("service", "event_type"), CONSUMED)
def test_each_consumed_event_is_published_by_its_producer_and_opens_as_the_consumers_contract(
    service: str, event_type: str, published: dict[str, list[Envelope]]
) -> None:
    contract = consumers()[service][event_type].contract
    producer = contract.TOPIC.split(".")[0]
    envelopes = [e for e in published[contract.TOPIC] if e.type == event_type]
    assert envelopes, f"{producer} published no {event_type} on {contract.TOPIC}"
    for envelope in envelopes:
        assert envelope.source == f"/{producer}"
        event = envelope.open(contract)  # raises if the producer's payload is not the consumer's contract
        assert envelope.subject == event.aggregate_id()


# Amounts and counts in events are 64-bit integers (every API bounds its inputs well inside that);
# generated contracts, nested models included, draw their ints from that range.
st.register_type_strategy(int, st.integers(-(2**63), 2**63 - 1))


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_contract_survives_the_envelope_round_trip(contract: type[Event], data: st.DataObject) -> None:
    event = data.draw(st.builds(contract))
    envelope = Envelope.wrap(event, "/test")
    assert Envelope.from_bytes(envelope.to_bytes()).open(contract) == event
    assert envelope.subject == event.aggregate_id() and envelope.type == contract.TYPE


# --- The platform in-process, and the journeys that make every producer publish ---------------------------------------

SERVICES = ("catalog", "enrolment", "valuation", "coupon")
START = datetime(2021, 3, 10, 6, 30, tzinfo=UTC)  # noon in India on 2021-03-10
PHONE = "contract-phone-4gb-64gb"
TAC = "99300001"
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}
OPS = principal_headers("ops", "ops-contract")
RETAILER = principal_headers("partner", "key-contract-store", "retailer", "store-contract")
COURIER = principal_headers("partner", "key-contract-courier", "logistics")
DEADLINE_SECONDS = 40


def customer(account: str) -> dict[str, str]:
    return principal_headers("customer", account)


def imei(serial: int) -> str:
    body = f"{TAC}{serial:06d}"
    return body + str(luhn_check_digit(body))


def order(order_id: str) -> dict:
    return {"order_id": order_id, "lines": [{"line_id": "1", "model_id": PHONE, "unit_price_paise": 1_500_000, "quantity": 1}]}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Envelope]]:
    """Every event on the four topics after the journeys, by topic."""
    return asyncio.run(run_the_journeys(tmp_path_factory.mktemp("contracts")))


class Platform:
    """The four services, each with its own database, relay and consumer, on one broker and one clock the test moves."""

    def __init__(self, bootstrap: str, clock: FixedClock, clients: dict[str, httpx.AsyncClient]) -> None:
        self.bootstrap, self.clock, self.clients = bootstrap, clock, clients

    async def call(self, service: str, method: str, path: str, headers: dict, expect: int, **kwargs: Any) -> dict:
        response = await self.clients[service].request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, f"{method} {path} on {service}: {response.status_code} {response.text}"
        return response.json()

    async def until(self, check: Callable[[], Awaitable[Any]], what: str) -> Any:
        return await eventually(check, timeout=DEADLINE_SECONDS, what=what)

    async def sell_plan(self, account: str, device: str) -> dict:
        sale = {
            "imei": device, "model_id": PHONE, "invoice_number": f"INV-{device[-4:]}", "invoice_date": (START.date() - timedelta(days=2)).isoformat(),
            "account_id": account, "customer_phone": "+919876543210",
        }
        return await self.call("enrolment", "POST", "/api/v1/plans", RETAILER, 201, json=sale)

    async def plan_reaches(self, plan_id: str, status: str) -> None:
        async def reached() -> bool:
            return (await self.call("enrolment", "GET", f"/api/v1/plans/{plan_id}", OPS, 200))["status"] == status

        await self.until(reached, f"plan {plan_id} to be {status}")

    async def open_exchange(self, account: str, device: str, program: str) -> dict:
        """Quote the phone (once valuation knows what the quote needs) and accept; the coupon is issued."""

        async def quoted() -> dict | None:
            response = await self.clients["valuation"].post("/api/v1/quotes", json={"imei": device, "condition": FLAWLESS}, headers=customer(account))
            return response.json() if response.status_code == 201 and response.json()["program"] == program else None

        quote = await self.until(quoted, f"a {program} quote for {device}")
        exchange = await self.call("valuation", "POST", f"/api/v1/quotes/{quote['id']}/accept", customer(account), 201, json={})
        await self.exchange_reaches(account, exchange["id"], "coupon_issued")
        return exchange

    async def exchange_reaches(self, account: str, exchange_id: str, status: str) -> dict:
        async def reached() -> dict | None:
            shown = await self.call("valuation", "GET", f"/api/v1/exchanges/{exchange_id}", customer(account), 200)
            return shown if shown["status"] == status else None

        return await self.until(reached, f"exchange {exchange_id} to be {status}")

    async def coupon_code(self, account: str, exchange_id: str) -> str:
        mine = await self.call("coupon", "GET", "/api/v1/me/coupons", customer(account), 200)
        return next(c["code"] for c in mine["items"] if c["exchange_id"] == exchange_id)

    async def topics(self) -> dict[str, list[Envelope]]:
        return {topic: [Envelope.from_bytes(r.value) for r in await read_to_end(self.bootstrap, topic)] for topic in PRODUCERS}


async def run_the_journeys(directory: Path) -> dict[str, list[Envelope]]:
    clock = FixedClock(START)
    with running_broker() as bootstrap:
        async with AsyncExitStack() as stack:
            clients: dict[str, httpx.AsyncClient] = {}
            for name in SERVICES:
                migrations = Path(importlib.import_module(name).__file__ or "").parent / "db" / "migrations"
                url = await stack.enter_async_context(migrated_database("sqlite", directory, migrations))
                app = importlib.import_module(f"{name}.main").create_app(service_settings(name, url, bootstrap), clock)
                await stack.enter_async_context(app.router.lifespan_context(app))
                clients[name] = await stack.enter_async_context(service_client(app, f"http://{name}"))
            platform = Platform(bootstrap, clock, clients)
            await journeys(platform)
            wanted = {(contract.TOPIC, contract.TYPE) for subs in consumers().values() for contract in (s.contract for s in subs.values())}

            async def everything_published() -> dict[str, list[Envelope]] | None:
                on_topics = await platform.topics()
                return on_topics if wanted <= {(topic, e.type) for topic, envelopes in on_topics.items() for e in envelopes} else None

            return await platform.until(everything_published, "every consumed event type on its topic")


def service_settings(name: str, database_url: str, bootstrap: str) -> ServiceSettings:
    sweeps = {"enrolment": {"lapse_sweep_seconds": 0.2}, "coupon": {"expiry_sweep_seconds": 0.2}}.get(name, {})
    return importlib.import_module(f"{name}.config").Settings(
        database_url=database_url, kafka_bootstrap=bootstrap, kafka_session_timeout_ms=6000, relay_poll_seconds=0.1, **sweeps
    )


async def journeys(p: Platform) -> None:
    # catalog → ModelUpserted, which every other service learns the phone from.
    model = {
        "brand": "Redmi", "name": "Contract Phone", "ram_gb": 4, "storage_gb": 64, "category": "smartphone", "launch_date": "2020-08-01",
        "srp_history": [{"effective_from": "2020-08-01", "srp_paise": 1_399_900}], "tacs": [TAC],
        "smart_upgrade": {"eligible": True, "fee_paise": 54_900}, "exchange": {"eligible": True},
    }
    await p.call("catalog", "PUT", f"/api/v1/catalog/models/{PHONE}", OPS, 201, json=model)
    for service in ("enrolment", "valuation", "coupon"):
        await p.until(partial(caught_up, p.bootstrap, service, [catalog.TOPIC]), f"{service} to learn the catalog")

    # enrolment → PlanPurchased (three plans) and PlanCancelled.
    upgraded = await p.sell_plan("acc-upgrade", imei(1))
    regretted = await p.sell_plan("acc-regret", imei(2))
    await p.call("enrolment", "POST", f"/api/v1/plans/{regretted['id']}/cancel", customer("acc-regret"), 200)
    lapsing = await p.sell_plan("acc-lapse", imei(3))

    # 100 days on, the first plan's 70% window is open: valuation → ExchangeAccepted for a Smart Upgrade;
    # coupon → CouponIssued, CouponRedeemed, CouponReleased; valuation → ExchangeCompleted; enrolment → PlanRedeemed.
    p.clock.advance(timedelta(days=100))
    await p.call("valuation", "PUT", f"/api/v1/market-prices/{PHONE}", OPS, 201, json={"price_paise": 800_000})
    upgrade = await p.open_exchange("acc-upgrade", imei(1), "smart_upgrade")
    code = await p.coupon_code("acc-upgrade", upgrade["id"])
    redemptions = f"/api/v1/coupons/{code}/redemptions"
    first = await p.call("coupon", "POST", redemptions, customer("acc-upgrade"), 201, json=order("ord-contract-1"))
    await p.exchange_reaches("acc-upgrade", upgrade["id"], "awaiting_handover")
    await p.call("coupon", "POST", f"{redemptions}/{first['id']}/release", OPS, 200)
    await p.exchange_reaches("acc-upgrade", upgrade["id"], "coupon_issued")
    await p.call("coupon", "POST", redemptions, customer("acc-upgrade"), 201, json=order("ord-contract-2"))
    await p.exchange_reaches("acc-upgrade", upgrade["id"], "awaiting_handover")
    handover = {
        "imei": imei(1), "checklist": {"screen_lock_removed": True, "accounts_removed": True, "memory_card_removed": True},
        "condition": FLAWLESS, "evidence": ["photo://front"],
    }
    await p.call("valuation", "POST", f"/api/v1/exchanges/{upgrade['id']}/handover", COURIER, 200, json=handover)
    await p.plan_reaches(upgraded["id"], "redeemed")

    # valuation → ExchangeCancellationRequested; coupon → CouponVoided; valuation → ExchangeCancelled.
    called_off = await p.open_exchange("acc-cancel", imei(4), "exchange")
    await p.call("valuation", "POST", f"/api/v1/exchanges/{called_off['id']}/cancel", customer("acc-cancel"), 200)
    await p.exchange_reaches("acc-cancel", called_off["id"], "cancelled")

    # Three years on: coupon → CouponExpired for an unused coupon; enrolment → PlanLapsed.
    unused = await p.open_exchange("acc-expire", imei(5), "exchange")
    p.clock.advance(timedelta(days=3 * 365))
    await p.exchange_reaches("acc-expire", unused["id"], "cancelled")
    await p.plan_reaches(lapsing["id"], "lapsed")
