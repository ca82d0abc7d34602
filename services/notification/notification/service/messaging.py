"""The customer message sweep: sends what is due, once per reason, reminders only in the customer's day.

Messages are rows scheduled by the event handlers. A sweep claims due ones with a lease (two workers
never take the same row; a dead worker's claim runs out and is taken over), decides in that same
transaction whether a reminder still applies (coupon still unspent, plan still running, reminders
not turned off) and whether it is quiet hours (then it waits for 09:00), and hands the rest to the
channel after the commit. The local sink is exactly once; over SMTP a message is sent again only if
the process dies between the relay's acceptance and the commit marking it sent (same Message-ID).
"""

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from notification.channels import Channel
from notification.db import messages, read_models
from notification.domain import messages as drafts
from notification.domain.records import FAILED, SCHEDULED, SENT, SKIPPED, Message
from notification.domain.timing import in_quiet_hours, next_allowed
from notification.service.metrics import CUSTOMER_MESSAGES
from servicekit.clock import Clock
from servicekit.db import Database

log = logging.getLogger("notification.messages")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5


async def _why_not(session: AsyncSession, message: Message, now: datetime) -> str | None:
    """Why a reminder no longer applies, or None when it does."""
    if not await messages.reminders_wanted(session, message.account_id):
        return "the customer turned reminders off"
    if message.reason == drafts.COUPON_EXPIRING:
        coupon = await read_models.coupon(session, message.about)
        if coupon is None or coupon.status != "active" or coupon.expires_at <= now:
            return "the coupon is no longer unspent"
    if message.reason == drafts.VALUE_DROPPING:
        plan = await read_models.plan(session, message.about)
        if plan is None or plan.status != "active":
            return "the plan has ended"
    return None


async def send_due(db: Database, channel: Channel, clock: Clock, batch: int = 50) -> int:
    """Send every message due now (up to a batch); how many went out."""
    now = clock.now()
    ready: list[tuple[Message, str]] = []
    async with db.transaction() as session:
        for message, token in await messages.claim_due(session, now, LEASE, batch):
            if message.reason in drafts.REMINDERS:
                skip = await _why_not(session, message, now)
                if skip is not None:
                    await messages.settle(session, message.id, token, status=SKIPPED, skip_reason=skip)
                    CUSTOMER_MESSAGES.labels(message.reason, "skipped").inc()
                    continue
                if in_quiet_hours(now):
                    await messages.settle(session, message.id, token, status=SCHEDULED, due_at=next_allowed(now))
                    continue
            ready.append((message, token))
    sent = 0
    for message, token in ready:
        try:
            await channel.send(message)
        except Exception as exc:
            log.warning("customer message not accepted by the channel", extra={"message_id": message.id, "error": str(exc)})
            async with db.transaction() as session:
                if message.attempts + 1 >= MAX_ATTEMPTS:
                    await messages.settle(session, message.id, token, status=FAILED, skip_reason=f"channel refused: {type(exc).__name__}")
                    CUSTOMER_MESSAGES.labels(message.reason, "failed").inc()
                else:
                    CUSTOMER_MESSAGES.labels(message.reason, "retrying").inc()
                    retry_at = clock.now() + timedelta(minutes=2 ** message.attempts)
                    await messages.settle(session, message.id, token, status=SCHEDULED, due_at=retry_at)
            continue
        async with db.transaction() as session:
            if await messages.settle(session, message.id, token, status=SENT, sent_at=clock.now(), channel=channel.name):
                CUSTOMER_MESSAGES.labels(message.reason, "sent").inc()
                sent += 1
    return sent


class MessageSweep:
    def __init__(self, db: Database, channel: Channel, clock: Clock, poll_seconds: float) -> None:
        self.db, self.channel, self.clock, self.poll_seconds = db, channel, clock, poll_seconds

    async def run(self) -> None:
        while True:
            await send_due(self.db, self.channel, self.clock)
            await asyncio.sleep(self.poll_seconds)
