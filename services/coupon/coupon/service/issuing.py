"""Use cases driven by valuation and catalog events: mint a coupon, void it, learn the catalog.

The coupon service is the arbiter of a customer's cancel (ExchangeCancellationRequested): only here
is it known for certain whether an order holds the coupon.

Each runs inside the inbox consumer's transaction, so the effect, its ledger rows, its outbox
events and the inbox record commit together.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancellationRequested, ExchangeCancelled
from coupon.db import catalog, ledger, repository
from coupon.domain.code import new_code
from coupon.domain.coupon import ACTIVE, REDEEMED, Coupon, expiry_of
from coupon.events import outbound
from eventing.outbox import Outbox
from servicekit.ids import new_id

log = logging.getLogger("coupon.issuing")

# Who the ledger names when an event, not a person, caused the change.
VALUATION = "system:valuation"

# With the coupon row locked (PostgreSQL) or writes serialised (SQLite) the first pass settles; the
# bound only guards against a backend that offers neither.
MAX_PASSES = 20


async def learn_model(session: AsyncSession, event: ModelUpserted, now: datetime) -> None:
    await catalog.upsert(session, event.id, event.brand, event.category, event.name, now)


async def issue_for_exchange(session: AsyncSession, outbox: Outbox, event: ExchangeAccepted, validity_days: int, now: datetime) -> Coupon | None:
    """Credit the exchange's coupon; a second delivery (or a racing consumer) finds it minted and does nothing."""
    coupon = Coupon(
        id=new_id("cpn"),
        code=new_code(),
        exchange_id=event.exchange_id,
        account_id=event.account_id,
        amount_paise=event.amount_paise,
        status=ACTIVE,
        issued_at=event.accepted_at,
        expires_at=expiry_of(event.accepted_at, validity_days),
    )
    if not await repository.insert_once(session, coupon, now):
        log.info("exchange already has its coupon", extra={"exchange_id": event.exchange_id})
        return None
    await ledger.append(
        session, coupon.id, "issued", VALUATION, coupon.issued_at,
        exchange_id=event.exchange_id, accepted_by=event.accepted_by, amount_paise=coupon.amount_paise, expires_at=coupon.expires_at.isoformat(),
    )  # fmt: skip
    await outbox.add(session, outbound.issued(coupon), now)
    cancelled_reason = await repository.exchange_cancelled_reason(session, event.exchange_id)
    if cancelled_reason is not None:
        # The exchange was cancelled before this (late) ExchangeAccepted: the coupon is void on arrival.
        log.warning("coupon minted for an exchange already cancelled; voided", extra={"exchange_id": event.exchange_id})
        await _void(session, outbox, coupon, cancelled_reason, now)
    return coupon


async def cancel_for_exchange(session: AsyncSession, outbox: Outbox, event: ExchangeCancelled, now: datetime) -> None:
    """Void an unused coupon; if an order holds it, remember the cancellation so a release voids it."""
    await _take_back(session, outbox, event.exchange_id, event.reason, now, note_if_held=True)


async def decide_cancellation(session: AsyncSession, outbox: Outbox, event: ExchangeCancellationRequested, now: datetime) -> None:
    """The owner's cancel request: void an unused coupon (CouponVoided grants it); an order holding it keeps it.

    Redeemed, the coupon stays with its order and nothing is published: its CouponRedeemed, already
    on its way, moves the exchange on to awaiting handover (the cancel lost the race).
    """
    await _take_back(session, outbox, event.exchange_id, event.reason, now, note_if_held=False)


async def _take_back(session: AsyncSession, outbox: Outbox, exchange_id: str, reason: str, now: datetime, note_if_held: bool) -> None:
    # Each pass re-reads the coupon with its row locked, so a redemption, release or expiry sweep
    # racing with us waits for this transaction (or committed first and is seen); the conditional
    # UPDATE then cannot miss. Never an error, so never dead-lettered for a race.
    for _ in range(MAX_PASSES):
        coupon = await repository.by_exchange(session, exchange_id, lock=True)
        if coupon is None:
            log.warning("exchange cancelled before its coupon was issued", extra={"exchange_id": exchange_id})
            await repository.remember_exchange_cancelled(session, exchange_id, reason, now)
            return
        if coupon.status == ACTIVE:
            if await _void(session, outbox, coupon, reason, now):
                return
        elif coupon.status == REDEEMED:
            if not note_if_held:
                log.info("cancel request for a coupon an order holds; the order keeps it", extra={"exchange_id": exchange_id})
                return
            if await repository.note_exchange_cancelled_while_held(session, coupon.id, reason, now):
                return
        else:
            return  # already expired or void: nothing left to take back
    raise RuntimeError(f"coupon of exchange {exchange_id} did not settle in {MAX_PASSES} passes")


async def _void(session: AsyncSession, outbox: Outbox, coupon: Coupon, reason: str, now: datetime) -> bool:
    if not await repository.void(session, coupon.id, ACTIVE, reason, now):
        return False
    await ledger.append(session, coupon.id, "voided", VALUATION, now, reason=reason)
    await outbox.add(session, outbound.voided(coupon, reason, now), now)
    return True
