"""Keeping valuation's copy of Smart Upgrade plans: who owns a phone, and the floor its plan gives."""

from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db import read_models
from valuation.domain.plan import Plan


async def plan_purchased(session: AsyncSession, plan: Plan) -> None:
    """Recorded once; a redelivered or late PlanPurchased never revives a closed plan."""
    await read_models.add_plan(session, plan)


async def plan_closed(session: AsyncSession, plan_id: str, status: str) -> None:
    """Cancelled, redeemed or lapsed: no floor any more, and the phone no longer the plan account's alone."""
    await read_models.close_plan(session, plan_id, status)
