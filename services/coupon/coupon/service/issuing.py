"""Use cases driven by valuation and catalog events: mint a coupon, void it, learn the catalog.

Each runs inside the inbox consumer's transaction, so the effect, its ledger rows, its outbox
events and the inbox record commit together.
"""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import ModelUpserted
from contracts.valuation import ExchangeAccepted, ExchangeCancelled
from coupon.db import catalog, ledger, repository
from coupon.domain.code import new_code
from coupon.domain.coupon import ACTIVE, REDEEMED, Coupon, expiry_of
from coupon.events import outbound
from eventing.outbox import Outbox
from servicekit.ids import new_id

log = logging.getLogger("coupon.issuing")

# Who the ledger names when an event, not a person, caused the change.
VALUATION = "system:valuation"


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
    return coupon


async def cancel_for_exchange(session: AsyncSession, outbox: Outbox, event: ExchangeCancelled, now: datetime) -> None:
    """Void an unused coupon; if an order holds it, remember the cancellation so a release voids it."""
    # Each step is a conditional UPDATE; a redemption or release racing with us makes one step miss,
    # and the next attempt sees its committed result.
    for _ in range(3):
        coupon = await repository.by_exchange(session, event.exchange_id)
        if coupon is None:
            log.warning("exchange cancelled before its coupon was issued", extra={"exchange_id": event.exchange_id})
            return
        if coupon.status == ACTIVE:
            if await repository.void(session, coupon.id, ACTIVE, event.reason, now):
                await ledger.append(session, coupon.id, "voided", VALUATION, now, reason=event.reason)
                await outbox.add(session, outbound.voided(coupon, event.reason, now), now)
                return
        elif coupon.status == REDEEMED:
            if await repository.note_exchange_cancelled_while_held(session, coupon.id, event.reason, now):
                return
        else:
            return  # already expired or void: nothing left to take back
    raise RuntimeError(f"coupon of exchange {event.exchange_id} kept changing; will retry")
