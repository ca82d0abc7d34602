"""A plan follows the exchange of its phone: buyback in progress, then redeemed or traded in, or back to active.

Each function runs inside the inbox consumer's transaction it is given and writes its event to the
outbox in that same transaction.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db import repository
from enrolment.domain.plan import PlanStatus, after_exchange_cancelled, after_handover
from enrolment.events.outbound import plan_lapsed, plan_redeemed
from eventing.outbox import Outbox
from servicekit.clock import Clock

log = logging.getLogger("enrolment.following")


async def exchange_accepted(session: AsyncSession, clock: Clock, plan_id: str, exchange_id: str, account_id: str, accepted_at: datetime) -> None:
    """An exchange of the plan's phone was accepted, whatever its programme: the plan is held for it
    (only the plan's owner's exchange can hold it).

    Valuation's events are keyed by exchange id, so they are in order per exchange only: after the
    customer cancels exchange A and accepts B, ExchangeAccepted(B) may arrive before
    ExchangeCancelled(A). Valuation allows one open exchange per account and IMEI, so the exchange
    accepted last holds the plan, taking it over from an older one still recorded as holding it;
    ExchangeCancelled(A) then finds the plan held by B and leaves it alone.
    """
    plan = await repository.get_plan(session, plan_id)
    if plan is not None and plan.status == PlanStatus.BUYBACK_IN_PROGRESS and plan.exchange_id == exchange_id:
        return  # already held by this exchange
    held = plan is not None and plan.account_id == account_id and await repository.hold_for_exchange(session, plan_id, exchange_id, accepted_at, clock.now())
    if not held:
        log.warning(
            "exchange accepted for a plan that is not the owner's, not live, or held by a newer exchange; left as it is",
            extra={"plan_id": plan_id, "exchange_id": exchange_id},
        )
    elif plan is not None and plan.status == PlanStatus.BUYBACK_IN_PROGRESS:
        log.info("a newer exchange took over the plan", extra={"plan_id": plan_id, "exchange_id": exchange_id, "previous_exchange_id": plan.exchange_id})


async def exchange_completed(session: AsyncSession, outbox: Outbox, clock: Clock, plan_id: str, exchange_id: str, program: str | None) -> None:
    """The phone was handed over: the plan held by this exchange ends, redeemed or traded in, and its device is free."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None or plan.status != PlanStatus.BUYBACK_IN_PROGRESS or plan.exchange_id != exchange_id:
        log.warning("exchange completed for a plan not held by it; ignored", extra={"plan_id": plan_id, "exchange_id": exchange_id})
        return
    now, ended = clock.now(), after_handover(program)
    when = {"redeemed_at": now} if ended == PlanStatus.REDEEMED else {"traded_in_at": now}
    if await repository.move(session, plan.id, {PlanStatus.BUYBACK_IN_PROGRESS}, now, held_by=exchange_id, status=ended, **when):
        await repository.release_devices(session, plan.id)
        await outbox.add(session, plan_redeemed(plan, exchange_id, ended, now), now)


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
