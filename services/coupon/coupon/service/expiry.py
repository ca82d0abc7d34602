"""The expiry sweep: marks coupons past expires_at expired and publishes CouponExpired.

Redemption checks the clock itself, so the sweep only makes expiry visible to other services; it
may run in several replicas at once because each coupon is expired by a conditional UPDATE.
"""

import asyncio
import logging

from coupon.db import ledger, repository
from coupon.events import outbound
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.db import Database

log = logging.getLogger("coupon.expiry")

SWEEP = "system:expiry-sweep"


async def expire_due(db: Database, outbox: Outbox, clock: Clock, batch_size: int = 100) -> int:
    """Expire every active coupon whose expires_at has come; returns how many this sweep expired."""
    expired = 0
    while True:
        async with db.transaction() as session:
            now = clock.now()
            due = await repository.due_for_expiry(session, now, batch_size)
            for coupon in due:
                if await repository.expire(session, coupon.id, now):
                    await ledger.append(session, coupon.id, "expired", SWEEP, coupon.expires_at, swept_at=now.isoformat())
                    await outbox.add(session, outbound.expired(coupon), now)
                    expired += 1
        if len(due) < batch_size:
            return expired


class ExpirySweep:
    """The scheduled worker: sweep, then wait for the next round."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, interval_seconds: float) -> None:
        self.db, self.outbox, self.clock, self.interval_seconds = db, outbox, clock, interval_seconds

    async def run(self) -> None:
        while True:
            count = await expire_due(self.db, self.outbox, self.clock)
            if count:
                log.info("expired coupons", extra={"count": count})
            await asyncio.sleep(self.interval_seconds)
