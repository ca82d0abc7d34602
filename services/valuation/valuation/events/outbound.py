"""Mapping exchanges to the valuation.events contracts."""

from datetime import datetime

from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled, ExchangeCompleted


def exchange_accepted(row, accepted_by: str, now: datetime) -> ExchangeAccepted:  # type: ignore[no-untyped-def]
    return ExchangeAccepted(
        exchange_id=row["id"],
        quote_id=row["quote_id"],
        account_id=row["account_id"],
        imei=row["imei"],
        model_id=row["model_id"],
        amount_paise=row["amount_paise"],
        program=row["program"],
        plan_id=row["plan_id"],
        accepted_by=accepted_by,
        accepted_at=now,
    )


def exchange_completed(row, now: datetime) -> ExchangeCompleted:  # type: ignore[no-untyped-def]
    return ExchangeCompleted(
        exchange_id=row.id, account_id=row.account_id, imei=row.imei, amount_paise=row.amount_paise, plan_id=row.plan_id, completed_at=now
    )


# Reasons with which an order may already have the coupon's discount, to be settled by the order system.
SETTLED_BY_ORDER = ("handover_failed", "superseded")


def exchange_cancelled(row, reason: str, now: datetime, discounted_paise: int | None = None) -> ExchangeCancelled:  # type: ignore[no-untyped-def]
    if discounted_paise is None:
        discounted_paise = row.discounted_paise if reason in SETTLED_BY_ORDER else 0
    return ExchangeCancelled(
        exchange_id=row.id,
        account_id=row.account_id,
        imei=row.imei,
        amount_paise=row.amount_paise,
        plan_id=row.plan_id,
        reason=reason,
        discounted_paise=discounted_paise,
        cancelled_at=now,
    )


def exchange_cancellation_requested(row, now: datetime) -> ExchangeCancellationRequested:  # type: ignore[no-untyped-def]
    return ExchangeCancellationRequested(exchange_id=row.id, account_id=row.account_id, requested_at=now, reason="customer_cancelled")
