"""Use cases a retailer runs at the till: sell a plan, cancel it.

Each is the effect Idempotency.run executes: it runs in the transaction that also stores the
response, so the plan, its event and the stored answer commit together.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db import repository
from enrolment.domain import plan as rules
from enrolment.domain.plan import Plan, PlanStatus, Sale
from enrolment.events.outbound import plan_cancelled, plan_purchased
from enrolment.service.visibility import visible_plan
from eventing.outbox import Outbox
from servicekit.clock import BUSINESS_TZ, Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.refusals import Refused


def _already_enrolled() -> Refused:
    return Refused("imei_already_enrolled", "This device already has a live Smart Upgrade plan.")


async def sell_plan(session: AsyncSession, outbox: Outbox, clock: Clock, seller: Principal, sale: Sale) -> Plan:
    """Sell a plan for a device that has no live plan; PlanPurchased goes out in the same transaction."""
    if not seller.store_id or not seller.subject:
        raise Refused("validation_error", "This retailer credential names no store, so it cannot sell plans.")
    model, holder = await repository.model_and_holder(session, sale.model_id, sale.imeis())
    terms = rules.sell(model, sale, clock.today())
    if holder is not None:
        raise _already_enrolled()
    plan = Plan(
        id=new_id("pln"),
        status=PlanStatus.ACTIVE,
        account_id=sale.account_id,
        store_id=seller.store_id,
        sold_by=seller.subject,
        model_id=sale.model_id,
        imei=sale.imei,
        imei2=sale.imei2,
        invoice_number=sale.invoice_number,
        invoice_date=sale.invoice_date,
        customer_phone=sale.customer_phone,
        srp_paise=terms.srp_paise,
        fee_paise=terms.fee_paise,
        schedule=terms.schedule,
        purchased_at=clock.now(),
    )
    try:
        await repository.add_plan(session, plan)
    except repository.DeviceTaken as taken:  # a concurrent sale of the same device committed first
        raise _already_enrolled() from taken
    await outbox.add(session, plan_purchased(plan), clock.now())
    return plan


async def cancel_plan(session: AsyncSession, outbox: Outbox, clock: Clock, caller: Principal, plan_id: str) -> Plan:
    """Cancel an active plan within 14 days of its sale, refunding the whole fee."""
    plan = await visible_plan(session, caller, plan_id)
    rules.check_cancellable(plan.status, rules.sold_on(plan.purchased_at, BUSINESS_TZ), clock.today())
    now = clock.now()
    moved = await repository.move(
        session, plan.id, {PlanStatus.ACTIVE}, now, status=PlanStatus.CANCELLED, refund_paise=plan.fee_paise, cancelled_at=now
    )
    if not moved:  # an exchange was accepted for it a moment ago
        raise Refused("plan_not_cancellable", "The plan changed while it was being cancelled; it is no longer active.")
    await repository.release_devices(session, plan.id)
    await outbox.add(session, plan_cancelled(plan, plan.fee_paise, now), now)
    return await visible_plan(session, caller, plan_id)
