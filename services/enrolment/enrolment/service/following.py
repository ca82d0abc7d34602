"""A plan follows its device's exchange and its calendar: buyback in progress, redeemed, back to active, lapsed.

Each function runs inside a transaction it is given (the inbox consumer's or the sweep's) and
writes its event to the outbox in that same transaction.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db import repository
from enrolment.domain.plan import LIVE, PlanStatus, after_exchange_cancelled
from enrolment.events.outbound import plan_lapsed, plan_redeemed
from eventing.outbox import Outbox
from servicekit.clock import Clock

log = logging.getLogger("enrolment.following")


async def exchange_accepted(session: AsyncSession, plan_id: str, exchange_id: str, account_id: str, now: datetime) -> None:
    """An exchange floored by this plan was accepted: the plan is held for it (only the plan's owner can redeem it)."""
    plan = await repository.get_plan(session, plan_id)
    moved = plan is not None and plan.account_id == account_id and await repository.move(
        session, plan_id, {PlanStatus.ACTIVE}, now, status=PlanStatus.BUYBACK_IN_PROGRESS, exchange_id=exchange_id
    )
    if not moved:
        log.warning("exchange accepted for a plan that is not the owner's active plan; left as it is", extra={"plan_id": plan_id, "exchange_id": exchange_id})


async def exchange_completed(session: AsyncSession, outbox: Outbox, plan_id: str, exchange_id: str, now: datetime) -> None:
    """The phone was handed over: the plan is redeemed and its device free."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None or plan.status not in LIVE or plan.exchange_id not in (None, exchange_id):
        log.warning("exchange completed for a plan not held by it; ignored", extra={"plan_id": plan_id, "exchange_id": exchange_id})
        return
    await repository.move(session, plan.id, set(LIVE), now, status=PlanStatus.REDEEMED, exchange_id=exchange_id, redeemed_at=now)
    await repository.release_devices(session, plan.id)
    await outbox.add(session, plan_redeemed(plan, exchange_id, now), now)


async def exchange_cancelled(session: AsyncSession, outbox: Outbox, clock: Clock, plan_id: str, exchange_id: str) -> None:
    """The exchange fell through: the plan is active again, or lapsed if its last window has passed meanwhile."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None or plan.status != PlanStatus.BUYBACK_IN_PROGRESS or plan.exchange_id != exchange_id:
        return  # an exchange that never held this plan (or a duplicate): nothing to undo
    now, today = clock.now(), clock.today()
    status = after_exchange_cancelled(plan.lapses_on, today)
    if status == PlanStatus.LAPSED:
        await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, status=status, exchange_id=None, lapsed_on=plan.lapses_on)
        await repository.release_devices(session, plan.id)
        await outbox.add(session, plan_lapsed(plan, plan.lapses_on), now)
    else:
        await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, status=status, exchange_id=None)


async def lapse_due_plans(session: AsyncSession, outbox: Outbox, clock: Clock, batch: int = 200) -> int:
    """Mark active plans past their last window lapsed; returns how many this call lapsed.

    Safe in several replicas at once: each plan moves only if it is still active when the
    conditional UPDATE runs, and only the replica whose UPDATE moved it writes PlanLapsed.
    """
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
