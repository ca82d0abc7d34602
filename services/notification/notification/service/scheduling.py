"""Which customer messages an event schedules, and when: at once (transactional) or in the customer's day (reminders)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.coupon import CouponIssued
from contracts.enrolment import PlanPurchased
from contracts.valuation import ExchangeCancelled
from notification.db import messages
from notification.domain import messages as drafts
from notification.domain.timing import coupon_reminder_at, value_drop_notice_at, value_drops


async def on_coupon_issued(session: AsyncSession, event: CouponIssued, now: datetime) -> None:
    await messages.schedule(session, event.account_id, drafts.coupon_credited(event.coupon_id, event.amount_paise, event.expires_at), now, now)
    due = coupon_reminder_at(event.expires_at, now)
    if due is not None:
        await messages.schedule(session, event.account_id, drafts.coupon_expiring(event.coupon_id, event.amount_paise, event.expires_at), due, now)


async def on_exchange_cancelled(session: AsyncSession, event: ExchangeCancelled, now: datetime) -> None:
    await messages.schedule(session, event.account_id, drafts.exchange_cancelled(event.exchange_id, event.reason), now, now)


async def on_plan_purchased(session: AsyncSession, event: PlanPurchased, now: datetime) -> None:
    windows = [(w.starts_on, w.ends_on, w.amount_paise) for w in event.schedule]
    for drops_on, from_paise, to_paise in value_drops(windows):
        due = value_drop_notice_at(drops_on, now)
        if due is not None:
            await messages.schedule(session, event.account_id, drafts.value_dropping(event.plan_id, drops_on, from_paise, to_paise), due, now)
