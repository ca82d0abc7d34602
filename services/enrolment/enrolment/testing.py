"""Test support for enrolment's own tests: principals, catalog events, IMEIs and a driven app (like servicekit.testing)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from contracts.base import Event
from contracts.catalog import ExchangeTerms, ModelUpserted, SmartUpgradeTerms, SrpPoint
from contracts.imei import luhn_check_digit
from enrolment.db.tables import outbox
from eventing.envelope import Envelope
from servicekit.clock import FixedClock
from servicekit.principal import Principal
from servicekit.testing import principal_headers

# Noon in India on 10 March 2021: today() is 2021-03-10.
NOON_IN_INDIA = datetime(2021, 3, 10, 6, 30, tzinfo=UTC)
MODEL_ID = "redmi-note-9-pro-4gb-64gb"
TACS = ["99100001", "99100002"]
_serials = count(1)


def new_imei(tac: str = TACS[0]) -> str:
    """A fresh valid IMEI of the given TAC."""
    body = f"{tac}{next(_serials):06d}"
    return body + str(luhn_check_digit(body))


def model_upserted(model_id: str = MODEL_ID, eligible: bool = True, tacs: list[str] | None = None) -> ModelUpserted:
    """A catalog model as the catalog publishes it: SRP Rs 13,999 from August 2020, Rs 12,999 from 5 March 2021."""
    return ModelUpserted(
        id=model_id, brand="Redmi", name="Redmi Note 9 Pro", ram_gb=4, storage_gb=64, category="smartphone",
        launch_date=date(2020, 3, 17), srp_paise=1_299_900,
        srp_history=[SrpPoint(effective_from=date(2020, 8, 1), srp_paise=1_399_900), SrpPoint(effective_from=date(2021, 3, 5), srp_paise=1_299_900)],
        tacs=tacs if tacs is not None else TACS,
        smart_upgrade=SmartUpgradeTerms(eligible=eligible, fee_paise=54_900 if eligible else None),
        exchange=ExchangeTerms(eligible=True),
    )


def as_(principal: Principal) -> dict[str, str]:
    return principal_headers(principal.kind, principal.subject, principal.partner_kind, principal.store_id)


RETAILER = Principal("partner", "key_store1_a", "retailer", "store-1")
SAME_STORE = Principal("partner", "key_store1_b", "retailer", "store-1")
OTHER_STORE = Principal("partner", "key_store2", "retailer", "store-2")
LOGISTICS = Principal("partner", "key_courier", "logistics", "hub-1")
OWNER = Principal("customer", "acc_owner")
STRANGER = Principal("customer", "acc_stranger")
OPS = Principal("ops", "acc_ops")


def sale_body(imei: str | None = None, **changes) -> dict:
    return {
        "imei": imei or new_imei(), "model_id": MODEL_ID, "invoice_number": "INV-001", "invoice_date": "2021-03-08",
        "account_id": OWNER.subject, "customer_phone": "+919876543210",
    } | changes


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    clock: FixedClock

    async def deliver(self, event: Event) -> None:
        """Hand an event to the inbox consumer exactly as the broker would (each call a new event id)."""
        consumer = self.app.state.consumer
        await consumer.apply(Envelope.wrap(event, "/test"), consumer.subscriptions[event.TYPE])

    async def sell(self, imei: str | None = None, who: Principal = RETAILER, **changes) -> httpx.Response:
        return await self.http.post("/api/v1/plans", json=sale_body(imei, **changes), headers=as_(who))

    async def outbox_events(self, type_: str) -> list[str]:
        """Envelopes of the given type waiting in (or published from) the outbox."""
        async with self.app.state.db.reading() as session:
            return list(await session.scalars(select(outbox.c.envelope).where(outbox.c.type == type_).order_by(outbox.c.id)))
