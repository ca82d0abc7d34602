"""Accepting a quote into an exchange: one device at a time, the phone's owner first. One transaction (Idempotency.run's)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from valuation.db import read_models, repository
from valuation.domain.claims import claim, may_supersede
from valuation.domain.device import blocked
from valuation.domain.exchange import SUPERSEDED, Exchange, superseded_status
from valuation.domain.plan import check_owner, plan_ended_by_exchange
from valuation.domain.refusal import Refused, not_found
from valuation.events.outbound import exchange_accepted, exchange_cancelled

ALREADY_OPEN = "This account or this phone already has an open exchange; one device at a time."


async def accept(
    session: AsyncSession, outbox: Outbox, clock: Clock, minimum_offer_paise: int, principal: Principal, quote_id: str, device_present: bool = False
) -> Exchange:
    """Turn an offered quote into an exchange and publish ExchangeAccepted; the database keeps one open per account and IMEI.

    The IMEI of a live Smart Upgrade plan is the plan account's alone (re-checked here: the plan may
    have arrived after the quote), and the exchange records that plan, floored or not: handing the
    phone over ends it. A floored quote whose plan no longer backs the floor pays its market offer.
    An accept with a stronger claim to the phone (the plan's account; a retail partner with the
    device present) supersedes another account's open exchange of it that was not handed over, in
    this same transaction: that one is closed (reason `superseded`), ExchangeCancelled goes out for
    it (the coupon service voids its coupon), and then this exchange opens.
    """
    found = await repository.quote_to_accept(session, quote_id)
    if found is None or not may_accept(principal, found.quote.account_id, found.quote.partner_key):
        raise not_found("quote")
    quote = found.quote
    if device_present and not (principal.is_partner and principal.partner_kind == "retailer"):
        raise Refused("validation_error", "Only a retail partner in store can vouch for the device.", "device_present", field_error="retail partners only")
    now = clock.now()
    quote.check_open(now)
    if found.blocklisted:
        raise blocked()
    live = await read_models.live_plans_naming(session, quote.imei)
    check_owner(live, quote.account_id)
    quoted_plan_id = quote.offer.assured.plan_id if quote.offer.assured else None
    plan = plan_ended_by_exchange(live, quote.account_id, quoted_plan_id, clock.today())
    offer = quote.offer_at_accept(plan is not None and plan.plan_id == quoted_plan_id, minimum_offer_paise)
    if found.account_has_open_exchange:
        raise Refused("exchange_already_open", ALREADY_OPEN)
    owners = {plan.account_id for plan in live}
    mine = claim(quote.account_id in owners, device_present)
    # The device's IMEIs: the quoted one and, for a plan's dual-SIM phone, its other one.
    device = sorted({quote.imei} | {imei for plan in live for imei in plan.imeis()})
    holders = await repository.open_exchanges_on(session, device)
    for held in holders:
        theirs = claim(held.plan_id is not None or held.account_id in owners, held.device_present)
        if held.account_id == quote.account_id or not may_supersede(mine, theirs):
            raise Refused("exchange_already_open", ALREADY_OPEN)
    exchange = Exchange(
        id=new_id("exc"),
        quote_id=quote.id,
        account_id=quote.account_id,
        imei=quote.imei,
        model_id=quote.model_id,
        amount_paise=offer.amount_paise,
        program=offer.program,
        plan_id=plan.plan_id if plan else None,
        status="accepted",
        accepted_by=principal.subject or "-",
        partner_key=principal.subject if principal.is_partner else quote.partner_key,
        device_present=device_present,
        created_at=now,
        updated_at=now,
    )
    for held in holders:
        await supersede(session, outbox, held, exchange.id, now)
    try:
        await repository.add_exchange(session, exchange)
    except repository.ExchangeSlotTaken as taken:
        # Another accept for this account or IMEI committed first (PostgreSQL); this transaction is
        # void. A lost race, not a standing refusal: a retry with the same Idempotency-Key runs afresh
        # (and may supersede the winner, if its claim to the phone is weaker).
        raise Refused("exchange_already_open", ALREADY_OPEN, retryable=True) from taken
    await repository.mark_quote_accepted(session, quote.id)
    await outbox.add(session, exchange_accepted(exchange, now), now)
    return exchange


async def supersede(session: AsyncSession, outbox: Outbox, held: Exchange, by: str, now: datetime) -> None:
    """Close another account's open exchange of this phone; ExchangeCancelled (`superseded`) makes the coupon service void its coupon.

    If an order already holds its coupon (`awaiting_handover`) it is `revoked`, and the event
    carries the discount that order got, for the order system to claw back; the coupon service
    leaves the coupon with the order (a later release voids it).
    """
    if not await repository.supersede_exchange(session, held, superseded_status(held.status), by, now):
        # The row is locked (PostgreSQL) or writers are serialised (SQLite): it cannot have moved.
        raise Refused("exchange_already_open", ALREADY_OPEN, retryable=True)
    await outbox.add(session, exchange_cancelled(held, SUPERSEDED, now), now)


def may_accept(principal: Principal, account_id: str, quoting_partner: str | None) -> bool:
    """The owner, or the retailer that quoted on the owner's behalf."""
    if principal.account_id is not None:
        return principal.account_id == account_id
    return principal.is_partner and principal.partner_kind == "retailer" and principal.subject == quoting_partner
