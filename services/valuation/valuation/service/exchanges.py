"""Accepting a quote into an exchange, and the customer's cancel. Each use case is one transaction."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.problems import Problem
from valuation.db import repository
from valuation.domain.exchange import CANCELLABLE
from valuation.events.outbound import exchange_accepted, exchange_cancelled
from valuation.service.quotes import quote_status

ALREADY_OPEN = "This account or this phone already has an open exchange; one device at a time."


async def accept(session: AsyncSession, outbox: Outbox, clock: Clock, principal: Principal, quote_id: str):  # type: ignore[no-untyped-def]
    """Turn an offered quote into an exchange and publish ExchangeAccepted; the database keeps one open per account and IMEI."""
    quote = await repository.get_quote(session, quote_id, lock=True)
    if quote is None or not may_accept(principal, quote.account_id, quote.partner_key):
        raise Problem(404, "not_found", "No such quote.")
    now = clock.now()
    if quote.status == "accepted":
        raise Problem(409, "exchange_already_open", "This quote was already accepted.")
    if quote_status(quote.status, quote.expires_at, now) == "expired":
        raise Problem(409, "quote_expired", "This quote has expired; ask for a new one.")
    if await repository.blocklisted(session, quote.imei):
        raise Problem(422, "imei_blocklisted", "This IMEI is reported lost or stolen.")
    plan_id = quote.assured["plan_id"] if quote.assured else None
    if plan_id and await repository.plan_status(session, plan_id) != "active":
        raise Problem(409, "quote_expired", "The plan behind this quote's assured value is no longer active; ask for a new quote.")
    if await repository.open_exchange_for(session, quote.account_id, quote.imei):
        raise Problem(409, "exchange_already_open", ALREADY_OPEN)
    row = {
        "id": new_id("exc"),
        "quote_id": quote.id,
        "account_id": quote.account_id,
        "imei": quote.imei,
        "model_id": quote.model_id,
        "amount_paise": quote.amount_paise,
        "program": quote.program,
        "plan_id": plan_id,
        "status": "accepted",
        "accepted_by": principal.subject or "-",
        "partner_key": principal.subject if principal.is_partner else quote.partner_key,
        "discounted_paise": 0,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await repository.add_exchange(session, **row)
    except IntegrityError as exc:
        # Another accept for this account or IMEI committed first (PostgreSQL); this transaction is void.
        raise Problem(409, "exchange_already_open", ALREADY_OPEN) from exc
    await repository.mark_quote_accepted(session, quote.id)
    await outbox.add(session, exchange_accepted(row, row["accepted_by"], now), now)
    return await repository.get_exchange(session, row["id"])


def may_accept(principal: Principal, account_id: str, quoting_partner: str | None) -> bool:
    """The owner, or the retailer that quoted on the owner's behalf."""
    if principal.account_id is not None:
        return principal.account_id == account_id
    return principal.is_partner and principal.partner_kind == "retailer" and principal.subject == quoting_partner


async def cancel(session: AsyncSession, outbox: Outbox, clock: Clock, principal: Principal, exchange_id: str):  # type: ignore[no-untyped-def]
    """The owner calls the exchange off before the coupon is used; ExchangeCancelled voids the coupon."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or principal.account_id != exchange.account_id:
        raise Problem(404, "not_found", "No such exchange.")
    if exchange.status not in CANCELLABLE:
        raise Problem(409, "exchange_not_cancellable", f"An exchange that is {exchange.status} cannot be cancelled.")
    now = clock.now()
    await repository.move_exchange(session, exchange.id, "cancelled", now, cancel_reason="customer_cancelled")
    await outbox.add(session, exchange_cancelled(exchange, "customer_cancelled", now), now)
    return await repository.get_exchange(session, exchange.id)
