"""A plan follows its device's exchange and its calendar: buyback in progress, redeemed, back to active, lapsed.

Each function runs inside a transaction it is given (the inbox consumer's or the sweep's) and
writes its event to the outbox in that same transaction.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db import repository
from enrolment.domain.plan import PlanStatus, after_exchange_cancelled
from enrolment.events.outbound import plan_lapsed, plan_redeemed
from eventing.outbox import Outbox
from servicekit.clock import Clock

log = logging.getLogger("enrolment.following")


async def exchange_accepted(session: AsyncSession, plan_id: str, exchange_id: str, account_id: str, accepted_at: datetime, now: datetime) -> None:
    """An exchange floored by this plan was accepted: the plan is held for it (only the plan's owner can redeem it).

    Valuation's events are keyed by exchange id, so they are in order per exchange only: after the
    customer cancels exchange A and accepts B, ExchangeAccepted(B) may arrive before
    ExchangeCancelled(A). Valuation allows one open exchange per account and IMEI, so the exchange
    accepted last holds the plan, taking it over from an older one still recorded as holding it;
    ExchangeCancelled(A) then finds the plan held by B and leaves it alone.
    """
    plan = await repository.get_plan(session, plan_id)
    if plan is not None and plan.status == PlanStatus.BUYBACK_IN_PROGRESS and plan.exchange_id == exchange_id:
        return  # already held by this exchange
    held = plan is not None and plan.account_id == account_id and await repository.hold_for_exchange(session, plan_id, exchange_id, accepted_at, now)
    if not held:
        log.warning(
            "exchange accepted for a plan that is not the owner's, not live, or held by a newer exchange; left as it is",
            extra={"plan_id": plan_id, "exchange_id": exchange_id},
        )
    elif plan is not None and plan.status == PlanStatus.BUYBACK_IN_PROGRESS:
        log.info("a newer exchange took over the plan", extra={"plan_id": plan_id, "exchange_id": exchange_id, "previous_exchange_id": plan.exchange_id})


async def exchange_completed(session: AsyncSession, outbox: Outbox, plan_id: str, exchange_id: str, now: datetime) -> None:
    """The phone was handed over: the plan held by this exchange is redeemed and its device free."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None or plan.status != PlanStatus.BUYBACK_IN_PROGRESS or plan.exchange_id != exchange_id:
        log.warning("exchange completed for a plan not held by it; ignored", extra={"plan_id": plan_id, "exchange_id": exchange_id})
        return
    if await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, held_by=exchange_id, status=PlanStatus.REDEEMED, redeemed_at=now):
        await repository.release_devices(session, plan.id)
        await outbox.add(session, plan_redeemed(plan, exchange_id, now), now)


async def exchange_cancelled(session: AsyncSession, outbox: Outbox, clock: Clock, plan_id: str, exchange_id: str) -> None:
    """The exchange fell through: the plan is active again, or lapsed if its last window has passed meanwhile.

    Only the exchange holding the plan releases it, checked in the UPDATE itself: a newer exchange
    may have taken the plan over since (see exchange_accepted), even between our read and our write.
    """
    plan = await repository.get_plan(session, plan_id)
    if plan is None or plan.status != PlanStatus.BUYBACK_IN_PROGRESS or plan.exchange_id != exchange_id:
        return  # an exchange that never held this plan, one a newer exchange replaced, or a duplicate: nothing to undo
    now, today = clock.now(), clock.today()
    status = after_exchange_cancelled(plan.lapses_on, today)
    released = {"status": status, "exchange_id": None, "exchange_accepted_at": None}
    if status == PlanStatus.LAPSED:
        if await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, held_by=exchange_id, lapsed_on=plan.lapses_on, **released):
            await repository.release_devices(session, plan.id)
            await outbox.add(session, plan_lapsed(plan, plan.lapses_on), now)
    else:
        await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, held_by=exchange_id, **released)


async def lapse_due_plans(session: AsyncSession, outbox: Outbox, clock: Clock, batch: int = 200) -> int:
    """Mark active plans past their last window lapsed; returns how many this call lapsed.

    Only `active` plans lapse (SPEC §5): a plan held by an exchange stays `buyback_in_progress` past
    its last window, since that exchange was priced on its floor; if the exchange falls through
    afterwards, exchange_cancelled lapses the plan then.

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
