"""The lapse sweep: active plans past their last window lapse, and PlanLapsed says so."""

import asyncio
import logging

from enrolment.db import repository
from enrolment.domain.plan import PlanStatus
from enrolment.events.outbound import plan_lapsed
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.db import Database

log = logging.getLogger("enrolment.sweep")


async def lapse_due_plans(db: Database, outbox: Outbox, clock: Clock, batch: int = 200) -> int:
    """Lapse one batch of due plans in one transaction; returns how many this call lapsed.

    Only `active` plans lapse (SPEC §5): a plan held by an exchange stays `buyback_in_progress` past
    its last window, since that exchange was priced on its floor; if the exchange falls through
    afterwards, following.exchange_cancelled lapses the plan then.

    Safe in several replicas at once: each plan moves only if it is still active when the
    conditional UPDATE runs, and only the replica whose UPDATE moved it writes PlanLapsed.
    """
    async with db.transaction() as session:
        now, today = clock.now(), clock.today()
        lapsed = 0
        for plan_id in await repository.due_to_lapse(session, today, batch):
            plan = await repository.get_plan(session, plan_id)
            if plan is None:
                continue
            if await repository.move(session, plan_id, {PlanStatus.ACTIVE}, now, status=PlanStatus.LAPSED, lapsed_on=plan.lapses_on):
                await repository.release_devices(session, plan_id)
                await outbox.add(session, plan_lapsed(plan, plan.lapses_on), now)
                lapsed += 1
    return lapsed


async def sweep_forever(db: Database, outbox: Outbox, clock: Clock, every_seconds: float) -> None:
    """Worker: every few minutes, lapse every due plan, batch by batch, each in its own short transaction."""
    while True:
        while lapsed := await lapse_due_plans(db, outbox, clock):
            log.info("plans lapsed", extra={"count": lapsed})
        await asyncio.sleep(every_seconds)
