"""Reads: a sale's terms, a plan for whoever may see it, its buyback value on a day, an account's plans."""

from datetime import date, datetime

from enrolment.db import repository
from enrolment.domain import plan as rules
from enrolment.domain.plan import Plan, Terms
from enrolment.domain.schedule import BuybackValue
from enrolment.service.visibility import visible_plan
from servicekit.db import Database
from servicekit.principal import Principal


async def preview(db: Database, model_id: str, purchase_date: date) -> Terms:
    """Fee, SRP and schedule for a purchase on any date; nothing is stored."""
    async with db.reading() as session:
        model = await repository.get_catalog_model(session, model_id)
    return rules.terms_on(model, purchase_date)


async def plan_for(db: Database, caller: Principal, plan_id: str) -> Plan:
    async with db.reading() as session:
        return await visible_plan(session, caller, plan_id)


async def buyback_value(db: Database, caller: Principal, plan_id: str, day: date) -> tuple[str, BuybackValue | None]:
    """The status to show on `day` and what the plan is worth then."""
    return rules.buyback_value(await plan_for(db, caller, plan_id), day)


async def plans_of(db: Database, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Plan]:
    """The account's plans, newest first."""
    async with db.reading() as session:
        return await repository.plans_of_account(session, account_id, after, limit)
