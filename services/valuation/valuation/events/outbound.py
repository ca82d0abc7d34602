"""Mapping exchanges to the valuation.events contracts."""

from datetime import datetime

from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled, ExchangeCompleted
from valuation.domain.exchange import CancelReason, Exchange

# Reasons with which an order may already have the coupon's discount, to be settled by the order system.
SETTLED_BY_ORDER = ("handover_failed", "superseded")


def exchange_accepted(exchange: Exchange, now: datetime) -> ExchangeAccepted:
    return ExchangeAccepted(
        exchange_id=exchange.id,
        quote_id=exchange.quote_id,
        account_id=exchange.account_id,
        imei=exchange.imei,
        model_id=exchange.model_id,
        amount_paise=exchange.amount_paise,
        program=exchange.program,
        plan_id=exchange.plan_id,
        accepted_by=exchange.accepted_by,
        accepted_at=now,
    )


def exchange_completed(exchange: Exchange, now: datetime) -> ExchangeCompleted:
    return ExchangeCompleted(
        exchange_id=exchange.id,
        account_id=exchange.account_id,
        imei=exchange.imei,
        amount_paise=exchange.amount_paise,
        plan_id=exchange.plan_id,
        program=exchange.program,
        completed_at=now,
    )


def exchange_cancelled(exchange: Exchange, reason: CancelReason, now: datetime, discounted_paise: int | None = None) -> ExchangeCancelled:
    if discounted_paise is None:
        discounted_paise = exchange.discounted_paise if reason in SETTLED_BY_ORDER else 0
    return ExchangeCancelled(
        exchange_id=exchange.id,
        account_id=exchange.account_id,
        imei=exchange.imei,
        amount_paise=exchange.amount_paise,
        plan_id=exchange.plan_id,
        reason=reason,
        discounted_paise=discounted_paise,
        cancelled_at=now,
    )


def exchange_cancellation_requested(exchange: Exchange, now: datetime) -> ExchangeCancellationRequested:
    return ExchangeCancellationRequested(exchange_id=exchange.id, account_id=exchange.account_id, requested_at=now, reason="customer_cancelled")
