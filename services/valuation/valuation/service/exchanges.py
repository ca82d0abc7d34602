"""Accepting a quote into an exchange, and the customer's cancel. Each use case is one transaction."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.problems import Problem
from valuation.db import repository
from valuation.domain.exchange import SUPERSEDED, NotCancellable, cancel_outcome, claim, may_supersede, superseded_status
from valuation.events.outbound import exchange_accepted, exchange_cancellation_requested, exchange_cancelled
from valuation.service.quotes import live_plans_of_device, quote_status

ALREADY_OPEN = "This account or this phone already has an open exchange; one device at a time."


async def accept(session: AsyncSession, outbox: Outbox, clock: Clock, principal: Principal, quote_id: str, device_present: bool = False):  # type: ignore[no-untyped-def]
    """Turn an offered quote into an exchange and publish ExchangeAccepted; the database keeps one open per account and IMEI.

    The IMEI of a live Smart Upgrade plan is the plan account's alone (422 `device_not_eligible`,
    `registered_to_another_account`, re-checked here: the plan may have arrived after the quote). An
    accept with a stronger claim to the phone (the plan's account; a retail partner with the device
    present) supersedes another account's open exchange of it that was not handed over, in this
    same transaction: that one is closed (reason `superseded`), ExchangeCancelled goes out for it
    (the coupon service voids its coupon), and then this exchange opens.
    """
    quote = await repository.get_quote(session, quote_id, lock=True)
    if quote is None or not may_accept(principal, quote.account_id, quote.partner_key):
        raise Problem(404, "not_found", "No such quote.")
    if device_present and not (principal.is_partner and principal.partner_kind == "retailer"):
        only_retailers = [{"field": "device_present", "message": "retail partners only"}]
        raise Problem(422, "validation_error", "Only a retail partner in store can vouch for the device.", only_retailers)
    now = clock.now()
    if quote.status == "accepted":
        raise Problem(409, "exchange_already_open", "This quote was already accepted.")
    if quote_status(quote.status, quote.expires_at, now) == "expired":
        raise Problem(409, "quote_expired", "This quote has expired; ask for a new one.")
    if await repository.blocklisted(session, quote.imei):
        raise Problem(422, "imei_blocklisted", "This IMEI is reported lost or stolen.")
    live = await live_plans_of_device(session, quote.imei, quote.account_id)
    plan_id = quote.assured["plan_id"] if quote.assured else None
    if plan_id and not await plan_still_honoured(session, plan_id, clock):
        raise Problem(409, "quote_expired", "The plan behind this quote's assured value is no longer active; ask for a new quote.")
    if await repository.open_exchange_of_account(session, quote.account_id):
        raise Problem(409, "exchange_already_open", ALREADY_OPEN)
    owners = {plan.account_id for plan in live}
    mine = claim(quote.account_id in owners, device_present)
    # The device's IMEIs: the quoted one and, for a plan's dual-SIM phone, its other one.
    device = sorted({quote.imei} | {i for plan in live for i in (plan.imei, plan.imei2) if i})
    holders = await repository.open_exchanges_on(session, device)
    for held in holders:
        theirs = claim(held.plan_id is not None or held.account_id in owners, held.device_present)
        if held.account_id == quote.account_id or not may_supersede(mine, theirs):
            raise Problem(409, "exchange_already_open", ALREADY_OPEN)
    exchange_id = new_id("exc")
    for held in holders:
        await supersede(session, outbox, held, exchange_id, now)
    row = {
        "id": exchange_id,
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
        "device_present": device_present,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await repository.add_exchange(session, **row)
    except IntegrityError as exc:
        # Another accept for this account or IMEI committed first (PostgreSQL); this transaction is
        # void. A lost race, not a standing refusal: a retry with the same Idempotency-Key runs afresh
        # (and may supersede the winner, if its claim to the phone is weaker).
        raise Problem(409, "exchange_already_open", ALREADY_OPEN, retryable=True) from exc
    await repository.mark_quote_accepted(session, quote.id)
    await outbox.add(session, exchange_accepted(row, row["accepted_by"], now), now)
    return await repository.get_exchange(session, row["id"])


async def supersede(session: AsyncSession, outbox: Outbox, held, by: str, now) -> None:  # type: ignore[no-untyped-def]
    """Close another account's open exchange of this phone; ExchangeCancelled (`superseded`) makes the coupon service void its coupon.

    If an order already holds its coupon (`awaiting_handover`) it is `revoked`, and the event
    carries the discount that order got, for the order system to claw back; the coupon service
    leaves the coupon with the order (a later release voids it).
    """
    if not await repository.supersede_exchange(session, held.id, held.status, superseded_status(held.status), by, now):
        # The row is locked (PostgreSQL) or writers are serialised (SQLite): it cannot have moved.
        raise Problem(409, "exchange_already_open", ALREADY_OPEN, retryable=True)
    await outbox.add(session, exchange_cancelled(held, SUPERSEDED, now), now)


async def plan_still_honoured(session: AsyncSession, plan_id: str, clock: Clock) -> bool:
    """The quoted assured amount stands while its plan is active and has not lapsed on the accept day (Asia/Kolkata).

    Decided from the plans read model and the clock, not from the quote: a plan cancelled, redeemed
    or lapsed since the quote (whether or not PlanLapsed has arrived yet) no longer backs the floor.
    A window that merely changed since the quote does not matter: the quoted amount is honoured.
    """
    plan = await repository.get_plan(session, plan_id)
    return plan is not None and plan.status == "active" and clock.today() < plan.lapses_on


def may_accept(principal: Principal, account_id: str, quoting_partner: str | None) -> bool:
    """The owner, or the retailer that quoted on the owner's behalf."""
    if principal.account_id is not None:
        return principal.account_id == account_id
    return principal.is_partner and principal.partner_kind == "retailer" and principal.subject == quoting_partner


async def cancel(session: AsyncSession, outbox: Outbox, clock: Clock, principal: Principal, exchange_id: str):  # type: ignore[no-untyped-def]
    """The owner asks to call the exchange off: `cancelling`, and ExchangeCancellationRequested to the coupon service.

    Valuation's view of the coupon lags, so the coupon service decides: it voids an unused coupon
    (CouponVoided → `cancelled`, ExchangeCancelled) or, if an order holds it, leaves it (CouponRedeemed
    → `awaiting_handover`). Asking again while `cancelling` answers the same, with no new event.
    """
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or principal.account_id != exchange.account_id:
        raise Problem(404, "not_found", "No such exchange.")
    try:
        target = cancel_outcome(exchange.status)
    except NotCancellable as exc:
        raise Problem(409, "exchange_not_cancellable", f"An exchange that is {exchange.status} cannot be cancelled.") from exc
    if target is not None:
        now = clock.now()
        await repository.move_exchange(session, exchange.id, target, now)
        await outbox.add(session, exchange_cancellation_requested(exchange, now), now)
    return await repository.get_exchange(session, exchange.id)
