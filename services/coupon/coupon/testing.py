"""Test support: principals, event builders and a harness that drives the coupon app over HTTP (like servicekit.testing)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from contracts.base import Event
from contracts.catalog import ExchangeTerms, ModelUpserted, SmartUpgradeTerms
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled
from coupon.db.tables import coupons, outbox
from eventing.envelope import Envelope
from servicekit.clock import FixedClock
from servicekit.principal import Principal
from servicekit.testing import principal_headers

MIGRATIONS = Path(__file__).parent / "db" / "migrations"
ACCEPTED_AT = datetime(2021, 3, 1, 6, 30, tzinfo=UTC)

OWNER = Principal("customer", "acc_owner")
STRANGER = Principal("customer", "acc_stranger")
OPS = Principal("ops", "acc_ops")
CHECKOUT = Principal("partner", "key_checkout", "checkout")
RETAILER = Principal("partner", "key_retailer", "retailer", "store_1")
OTHER_RETAILER = Principal("partner", "key_retailer_2", "retailer", "store_2")
LOGISTICS = Principal("partner", "key_logistics", "logistics")

# model id → (brand, category): what the catalog says, whatever an order claims.
CATALOG = {
    "redmi-note-9-pro": ("Redmi", "smartphone"),
    "mi-10": ("Mi", "smartphone"),
    "redmi-charger-18w": ("Redmi", "accessory"),
    "mi-pad-5": ("Mi", "tablet"),
    "samsung-galaxy-m31": ("Samsung", "smartphone"),
}


def headers(principal: Principal, **extra: str) -> dict[str, str]:
    return {**principal_headers(principal.kind, principal.subject, principal.partner_kind, principal.store_id), **extra}


def model_upserted(model_id: str, brand: str, category: str) -> ModelUpserted:
    return ModelUpserted(
        id=model_id, brand=brand, name=model_id, ram_gb=None, storage_gb=None, category=category, launch_date=None, srp_paise=None,
        srp_history=[], tacs=[], smart_upgrade=SmartUpgradeTerms(eligible=False), exchange=ExchangeTerms(eligible=False),
    )  # fmt: skip


def exchange_accepted(exchange_id: str, account_id: str = "acc_owner", amount_paise: int = 1_200_000, at: datetime = ACCEPTED_AT) -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id=exchange_id, quote_id=f"qte_{exchange_id}", account_id=account_id, imei="490154203237518", model_id="redmi-note-9-pro",
        amount_paise=amount_paise, program="exchange", accepted_by=account_id, accepted_at=at,
    )  # fmt: skip


def exchange_cancelled(exchange_id: str, reason: str = "customer_cancelled") -> ExchangeCancelled:
    return ExchangeCancelled(
        exchange_id=exchange_id, account_id="acc_owner", imei="490154203237518", amount_paise=1_200_000, reason=reason, cancelled_at=ACCEPTED_AT
    )


def cancellation_requested(exchange_id: str) -> ExchangeCancellationRequested:
    return ExchangeCancellationRequested(exchange_id=exchange_id, account_id="acc_owner", requested_at=ACCEPTED_AT)


def phone_line(line_id: str = "l1", model_id: str = "redmi-note-9-pro", price: int = 1_500_000, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {"line_id": line_id, "model_id": model_id, "unit_price_paise": price, "quantity": quantity, **extra}


class Harness:
    """The app, an HTTP client to it, its clock, and ways to feed it events."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: FixedClock) -> None:
        self.app, self.client, self.clock = app, client, clock
        self._exchanges = 0

    async def deliver(self, event: Event, envelope: Envelope | None = None) -> Envelope:
        """Hand an event to the inbox consumer exactly as the broker would."""
        envelope = envelope or Envelope.wrap(event, "/test")
        consumer = self.app.state.consumer
        await consumer.apply(envelope, consumer.subscriptions[envelope.type])
        return envelope

    async def issue(self, account_id: str = "acc_owner", amount_paise: int = 1_200_000, at: datetime = ACCEPTED_AT) -> dict[str, Any]:
        """Accept an exchange and return the coupon as its owner sees it."""
        self._exchanges += 1
        exchange_id = f"exc_{self._exchanges}"
        await self.deliver(exchange_accepted(exchange_id, account_id, amount_paise, at))
        mine = await self.client.get("/api/v1/me/coupons", headers=headers(Principal("customer", account_id)))
        return next(c for c in mine.json()["items"] if c["exchange_id"] == exchange_id)

    async def redeem(self, code: str, order_id: str, lines: list | None = None, principal: Principal = OWNER, **extra: Any) -> httpx.Response:
        body = {"order_id": order_id, "lines": lines or [phone_line()], **extra}
        return await self.client.post(f"/api/v1/coupons/{code}/redemptions", json=body, headers=headers(principal))

    async def release(self, code: str, redemption_id: str, principal: Principal = CHECKOUT) -> httpx.Response:
        return await self.client.post(f"/api/v1/coupons/{code}/redemptions/{redemption_id}/release", headers=headers(principal))

    async def published(self, event_type: str) -> int:
        """How many events of a type are in the outbox."""
        async with self.app.state.db.reading() as session:
            return await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.type == event_type)) or 0

    async def coupon_count(self) -> int:
        async with self.app.state.db.reading() as session:
            return await session.scalar(select(func.count()).select_from(coupons)) or 0
