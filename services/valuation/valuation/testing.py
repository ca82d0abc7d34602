"""Test support for valuation: sample models, plans, IMEIs, principals and a driver for the app."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from contracts.base import Event
from contracts.catalog import ExchangeTerms, ModelUpserted, SmartUpgradeTerms, SrpPoint
from contracts.coupon import CouponIssued, CouponRedeemed
from contracts.enrolment import PlanPurchased, ScheduleWindow
from contracts.imei import luhn_check_digit
from servicekit.clock import FixedClock
from servicekit.principal import Principal
from servicekit.testing import principal_headers
from valuation.db.tables import outbox
from valuation.events import inbound

MIGRATIONS = Path(__file__).parent / "db" / "migrations"
NOON_IN_INDIA = datetime(2021, 3, 1, 6, 30, tzinfo=UTC)  # 12:00 IST on 2021-03-01
PHONE = "redmi-note-9-4gb-64gb"
PHONE_PRICE = 800_000  # Rs 8,000 flawless
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": ["charger", "box", "invoice"]}


def imei(serial: int, tac: str = "35000001") -> str:
    body = f"{tac}{serial:06d}"
    return body + str(luhn_check_digit(body))


def as_header(principal: Principal) -> dict[str, str]:
    return principal_headers(principal.kind, principal.subject, principal.partner_kind, principal.store_id)


def customer(account: str) -> dict[str, str]:
    return as_header(Principal("customer", account))


OPS = as_header(Principal("ops", "ops-1"))
RETAILER = as_header(Principal("partner", "key-retail-1", "retailer", "store-1"))
OTHER_RETAILER = as_header(Principal("partner", "key-retail-2", "retailer", "store-2"))
COURIER = as_header(Principal("partner", "key-courier-1", "logistics"))


def model_upserted(model_id: str = PHONE, tac: str = "35000001", eligible: bool = True) -> ModelUpserted:
    return ModelUpserted(
        id=model_id, brand="Redmi", name=model_id, ram_gb=4, storage_gb=64, category="smartphone", launch_date=date(2020, 7, 20),
        srp_paise=1_199_900, srp_history=[SrpPoint(effective_from=date(2020, 7, 20), srp_paise=1_199_900)], tacs=[tac],
        smart_upgrade=SmartUpgradeTerms(eligible=True, fee_paise=49_900), exchange=ExchangeTerms(eligible=eligible),
    )


def plan_purchased(plan_id: str, account: str, device: str, invoice: date = date(2020, 11, 5)) -> PlanPurchased:
    """A plan whose 70% window (Rs 8,399.30) runs 2021-02-05..2021-05-04, i.e. around NOON_IN_INDIA."""
    windows = [
        ScheduleWindow(starts_on=date(2021, 2, 5), ends_on=date(2021, 5, 4), percent=70, amount_paise=839_930),
        ScheduleWindow(starts_on=date(2021, 5, 5), ends_on=date(2021, 8, 4), percent=60, amount_paise=719_940),
    ]
    return PlanPurchased(
        plan_id=plan_id, account_id=account, store_id="store-1", model_id=PHONE, imei=device, imei2=None, invoice_number="INV-1",
        invoice_date=invoice, srp_paise=1_199_900, fee_paise=49_900, schedule=windows, lapses_on=date(2022, 2, 5),
        purchased_at=NOON_IN_INDIA,
    )


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    clock: FixedClock

    async def deliver(self, event: Event) -> None:
        """Apply an inbound event the way the consumer does: its subscribed handler, in one transaction."""
        handler = inbound.subscriptions(self.app.state.outbox, self.clock)[event.TYPE].handler
        async with self.app.state.db.transaction() as session:
            await handler(session, event)

    async def published(self, event_type: str) -> list[dict]:
        async with self.app.state.db.reading() as session:
            rows = await session.execute(select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id))
        return [json.loads(r.envelope)["data"] for r in rows]

    async def quote(self, account: str, device: str, condition: dict | None = None, headers: dict | None = None) -> httpx.Response:
        body = {"imei": device, "condition": condition or FLAWLESS}
        return await self.http.post("/api/v1/quotes", json=body, headers=headers or customer(account))

    async def accept(self, account: str, quote_id: str, key: str | None = None) -> httpx.Response:
        headers = customer(account) | ({"idempotency-key": key} if key else {})
        return await self.http.post(f"/api/v1/quotes/{quote_id}/accept", headers=headers)

    async def coupon_used(self, exchange: dict) -> None:
        """The coupon service issued the exchange's coupon and an order redeemed it: the exchange awaits its handover."""
        now = self.clock.now()
        common = {"coupon_id": f"cpn_{exchange['id']}", "exchange_id": exchange["id"], "account_id": exchange["account_id"]}
        await self.deliver(CouponIssued(**common, code="ABCD-EFGH-JKLM-NPQR", amount_paise=exchange["amount_paise"], issued_at=now,
                                        expires_at=now + timedelta(days=14)))  # fmt: skip
        await self.deliver(CouponRedeemed(**common, redemption_id="rdm_1", order_id="ord-1", discount_paise=exchange["amount_paise"],
                                          forfeited_paise=0, redeemed_at=now))  # fmt: skip

    async def hand_over(self, exchange: dict, condition: dict | None = None) -> httpx.Response:
        """A courier hands the phone over with the checklist done."""
        checklist = dict.fromkeys(("screen_lock_removed", "accounts_removed", "memory_card_removed"), True)
        body = {"imei": exchange["imei"], "checklist": checklist, "condition": condition or FLAWLESS, "evidence": []}
        return await self.http.post(f"/api/v1/exchanges/{exchange['id']}/handover", json=body, headers=COURIER)

    async def open_exchange(self, account: str, device: str) -> dict:
        quote = (await self.quote(account, device)).json()
        response = await self.accept(account, quote["id"])
        assert response.status_code == 201, response.text
        return response.json()
