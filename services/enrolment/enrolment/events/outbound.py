"""Mapping plans to the enrolment.events contracts."""

from datetime import date, datetime

from contracts.enrolment import PlanCancelled, PlanLapsed, PlanPurchased, PlanRedeemed, ScheduleWindow
from enrolment.domain.plan import Plan, PlanStatus


def plan_purchased(plan: Plan) -> PlanPurchased:
    """The plan with its whole schedule, so valuation never recomputes a window."""
    return PlanPurchased(
        plan_id=plan.id,
        account_id=plan.account_id,
        store_id=plan.store_id,
        model_id=plan.model_id,
        imei=plan.imei,
        imei2=plan.imei2,
        invoice_number=plan.invoice_number,
        invoice_date=plan.invoice_date,
        srp_paise=plan.srp_paise,
        fee_paise=plan.fee_paise,
        schedule=[
            ScheduleWindow(starts_on=w.starts_on, ends_on=w.ends_on, percent=w.percent, amount_paise=w.amount_paise) for w in plan.schedule.windows
        ],
        lapses_on=plan.lapses_on,
        purchased_at=plan.purchased_at,
    )


def plan_cancelled(plan: Plan, refund_paise: int, at: datetime) -> PlanCancelled:
    return PlanCancelled(plan_id=plan.id, account_id=plan.account_id, imei=plan.imei, imei2=plan.imei2, refund_paise=refund_paise, cancelled_at=at)


def plan_redeemed(plan: Plan, exchange_id: str, ended: PlanStatus, at: datetime) -> PlanRedeemed:
    """The plan ended with its phone handed over; `outcome` tells a Smart Upgrade redemption from a trade-in."""
    return PlanRedeemed(
        plan_id=plan.id,
        account_id=plan.account_id,
        imei=plan.imei,
        imei2=plan.imei2,
        exchange_id=exchange_id,
        outcome="traded_in" if ended == PlanStatus.TRADED_IN else "redeemed",
        redeemed_at=at,
    )


def plan_lapsed(plan: Plan, on: date) -> PlanLapsed:
    return PlanLapsed(plan_id=plan.id, account_id=plan.account_id, imei=plan.imei, imei2=plan.imei2, lapsed_on=on)
