"""Test support: principals, event builders, and a harness that drives the notification app over HTTP and feeds it events."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from contracts.base import Event
from contracts.coupon import CouponIssued, CouponRedeemed
from contracts.enrolment import PlanPurchased, ScheduleWindow
from contracts.valuation import ExchangeAccepted, ExchangeCancelled
from eventing.envelope import Envelope
from servicekit.clock import FixedClock
from servicekit.principal import Principal
from servicekit.testing import principal_headers

MIGRATIONS = Path(__file__).parent / "db" / "migrations"
# 10:00 IST on a Monday: inside the customer's day.
NOW = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
SECRETS_KEY = "test-notification-secrets-key-0123456789"

OWNER = Principal("customer", "acc_owner")
STRANGER = Principal("customer", "acc_stranger")
OPS = Principal("ops", "acc_ops")
RETAILER = Principal("partner", "pk_retailer", "retailer", "store_1")
OTHER_RETAILER = Principal("partner", "pk_retailer_2", "retailer", "store_2")
LOGISTICS = Principal("partner", "pk_logistics", "logistics")


def headers(principal: Principal, **extra: str) -> dict[str, str]:
    return {**principal_headers(principal.kind, principal.subject, principal.partner_kind, principal.store_id), **extra}


def exchange_accepted(exchange_id: str, accepted_by: str = "pk_retailer", account_id: str = "acc_owner", plan_id: str | None = None) -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id=exchange_id, quote_id=f"qte_{exchange_id}", account_id=account_id, imei="490154203237518", model_id="redmi-note-9-pro",
        amount_paise=1_200_000, program="exchange", plan_id=plan_id, accepted_by=accepted_by, accepted_at=NOW,
    )  # fmt: skip


def exchange_cancelled(exchange_id: str, account_id: str = "acc_owner") -> ExchangeCancelled:
    return ExchangeCancelled(
        exchange_id=exchange_id, account_id=account_id, imei="490154203237518", amount_paise=1_200_000, reason="customer_cancelled", cancelled_at=NOW
    )


def coupon_issued(coupon_id: str, exchange_id: str, account_id: str = "acc_owner", issued_at: datetime = NOW, days: int = 14) -> CouponIssued:
    return CouponIssued(
        coupon_id=coupon_id, code="7KQ4-M2ZD-9XWB-H3RT", exchange_id=exchange_id, account_id=account_id, amount_paise=1_200_000,
        issued_at=issued_at, expires_at=issued_at + timedelta(days=days),
    )  # fmt: skip


def coupon_redeemed(coupon_id: str, exchange_id: str, account_id: str = "acc_owner") -> CouponRedeemed:
    return CouponRedeemed(
        coupon_id=coupon_id, exchange_id=exchange_id, account_id=account_id, redemption_id="rdm_1", order_id="ord_1", discount_paise=1_200_000,
        forfeited_paise=0, redeemed_at=NOW,
    )  # fmt: skip


def plan_purchased(plan_id: str, store_id: str = "store_1", account_id: str = "acc_owner", windows: list[tuple[date, date, int]] | None = None) -> PlanPurchased:
    chosen = windows or [(date(2026, 6, 1), date(2026, 8, 31), 700_000), (date(2026, 9, 1), date(2026, 11, 30), 500_000)]
    return PlanPurchased(
        plan_id=plan_id, account_id=account_id, store_id=store_id, model_id="redmi-note-9-pro", imei="490154203237518", invoice_number="INV-1",
        invoice_date=date(2026, 3, 1), srp_paise=1_500_000, fee_paise=99_900,
        schedule=[ScheduleWindow(starts_on=s, ends_on=e, percent=50, amount_paise=a) for s, e, a in chosen],
        lapses_on=chosen[-1][1], purchased_at=NOW,
    )  # fmt: skip


class Harness:
    """The app, an HTTP client to it, its clock, and a way to hand it events as the broker would."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: FixedClock) -> None:
        self.app, self.client, self.clock = app, client, clock

    async def deliver(self, event: Event, envelope: Envelope | None = None) -> Envelope:
        envelope = envelope or Envelope.wrap(event, "/test", self.clock.now())
        consumer = self.app.state.consumer
        await consumer.apply(envelope, consumer.subscriptions[envelope.type])
        return envelope

    async def register(self, principal: Principal, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
        response = await self.client.post("/api/v1/webhooks/endpoints", json={"url": url, "event_types": event_types or ["*"]}, headers=headers(principal))
        assert response.status_code == 201, response.text
        return response.json()

    async def deliveries(self, principal: Principal, endpoint_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(f"/api/v1/webhooks/endpoints/{endpoint_id}/deliveries?limit=100", headers=headers(principal))
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def notifications(self, principal: Principal = OWNER) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/me/notifications?limit=100", headers=headers(principal))
        assert response.status_code == 200, response.text
        return response.json()["items"]


class WebhookReceiver:
    """A partner's receiving HTTP server on a free port: answers `failures` first (status codes, or
    "timeout" to hang past the sender's timeout), then 200; keeps every request it was sent."""

    def __init__(self, failures: list[int | str] | None = None, hang_seconds: float = 30.0) -> None:
        self.failures = list(failures or [])
        self.hang_seconds = hang_seconds
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # what it answered each request (0: it hung)
        self.port = 0
        self._runner: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def _handle(self, request: Any) -> Any:
        import asyncio

        from aiohttp import web

        body = await request.read()
        self.requests.append(({k.lower(): v for k, v in request.headers.items()}, body))
        if self.failures:
            answer = self.failures.pop(0)
            if answer == "timeout":
                self.statuses.append(0)
                await asyncio.sleep(self.hang_seconds)
                return web.Response(status=200)
            self.statuses.append(int(answer))
            return web.Response(status=int(answer), headers={"Retry-After": "1"} if answer == 429 else {})
        self.statuses.append(200)
        return web.Response(status=200, text="ok")

    async def __aenter__(self) -> "WebhookReceiver":
        from aiohttp import web

        from eventing.testing import free_port

        app = web.Application()
        app.router.add_post("/hooks", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    def accepted(self, secret: str) -> dict[str, dict[str, Any]]:
        """What a receiver keeps: every request verified (as the standardwebhooks library checks it), and the
        events it accepted with a 2xx, once per webhook-id."""
        from standardwebhooks.webhooks import Webhook

        kept: dict[str, dict[str, Any]] = {}
        for (request_headers, body), status in zip(self.requests, self.statuses, strict=True):
            event = Webhook(secret).verify(body, request_headers)
            if 200 <= status < 300:
                kept.setdefault(request_headers["webhook-id"], event)
        return kept
