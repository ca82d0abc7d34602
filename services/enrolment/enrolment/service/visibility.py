"""Who may see a plan: its owner, a retailer of the store that sold it, and ops. Anyone else gets 404."""

from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.db import repository
from enrolment.domain.plan import Plan
from servicekit.principal import Principal
from servicekit.refusals import Refused


def may_see(caller: Principal, plan: Plan) -> bool:
    """Retailers are matched by store, not key: any till of the selling store serves the customer,
    and a rotated key must not orphan the plans it sold."""
    if caller.is_ops:
        return True
    if caller.kind == "customer":
        return caller.subject == plan.account_id
    if caller.is_partner and caller.partner_kind == "retailer":
        return caller.store_id is not None and caller.store_id == plan.store_id
    return False


async def visible_plan(session: AsyncSession, caller: Principal, plan_id: str) -> Plan:
    """The plan, if the caller may see it; otherwise 404 whether or not it exists."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None or not may_see(caller, plan):
        raise Refused("not_found", "No such plan.")
    return plan
