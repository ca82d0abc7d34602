"""Spending a coupon on an order, and giving it back when the order is cancelled before delivery.

Each is the effect Idempotency.run executes: it runs in the transaction that also stores the
response, so the change, its ledger rows, its event and the stored answer commit together.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db import catalog, ledger, repository
from coupon.domain.coupon import Coupon, Eligibility, OrderLine, Redemption, apply_to_order, expiry_after_release
from coupon.events import outbound
from coupon.service import access
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.refusals import Refused


@dataclass(frozen=True)
class Order:
    order_id: str
    lines: Sequence[OrderLine]


def _already_redeemed(held: Redemption | None = None) -> Refused:
    """Another order has the coupon; the answer names its redemption when we know which it is."""
    detail = "The coupon is already redeemed on another order."
    if held is None:
        return Refused("coupon_already_redeemed", detail)
    return Refused("coupon_already_redeemed", detail, redemption_id=held.id)


async def _explain_refusal(session: AsyncSession, coupon: Coupon, order: Order, clock: Clock) -> Redemption:
    """Why this order cannot have the coupon, read afresh: unless the same order already holds it (then that redemption)."""
    held = await repository.live_redemption(session, coupon.id)
    if held is not None:
        if held.order_id == order.order_id:
            return held
        raise _already_redeemed(held)
    fresh = await repository.by_code(session, coupon.code) or coupon
    fresh.check_redeemable(clock.now())  # expired, or not active (void, expired by the sweep)
    # A passing state (a release or another order racing with this one): a retry, even with the same
    # Idempotency-Key, is tried afresh.
    raise Refused("coupon_not_active", "The coupon changed while this order was being placed; try again.", retryable=True)


async def redeem(
    session: AsyncSession, outbox: Outbox, clock: Clock, eligibility: Eligibility, caller: Principal, code: str, order: Order, account_id: str
) -> tuple[Redemption, bool]:
    """Apply the coupon a code names to the order paid for by `account_id`; returns the redemption and whether it is new."""
    coupon, held = await access.visible_coupon_to_redeem(session, code, caller, account_id)
    if coupon.account_id != account_id:
        raise access.no_such_coupon()
    actor, now = caller.scope_key(), clock.now()
    if held or coupon.status_at(now) != "active":
        return await _explain_refusal(session, coupon, order, clock), False
    known = await catalog.entries(session, {line.model_id for line in order.lines})
    discount = apply_to_order(coupon.amount_paise, order.lines, known, eligibility)
    if not await repository.claim_for_order(session, coupon.id, now):
        return await _explain_refusal(session, coupon, order, clock), False
    redemption = Redemption(
        id=new_id("rdm"),
        coupon_id=coupon.id,
        order_id=order.order_id,
        account_id=account_id,
        line_id=discount.line.line_id,
        model_id=discount.line.model_id,
        unit_price_paise=discount.line.unit_price_paise,
        discount_paise=discount.discount_paise,
        forfeited_paise=discount.forfeited_paise,
        redeemed_by=actor,
        redeemed_at=now,
    )
    try:
        await repository.add_redemption(session, redemption)
    except IntegrityError as exc:  # the unique live redemption: a second line of defence behind the claim
        raise _already_redeemed() from exc
    await ledger.append(
        session, coupon.id, "redeemed", actor, now,
        redemption_id=redemption.id, order_id=order.order_id, line_id=redemption.line_id, model_id=redemption.model_id,
        discount_paise=redemption.discount_paise, forfeited_paise=redemption.forfeited_paise,
    )  # fmt: skip
    await outbox.add(session, outbound.redeemed(coupon, redemption), now)
    return redemption, True


async def release(session: AsyncSession, outbox: Outbox, clock: Clock, caller: Principal, code: str, redemption_id: str) -> Redemption:
    """Give the coupon back with the held time added to its expiry; releasing again changes nothing.

    Only the order side may (access.may_release); to anyone else the redemption does not exist.
    """
    coupon = await access.coupon_named(session, code)
    redemption = await repository.redemption(session, coupon.id, redemption_id)
    if redemption is None or not access.may_release(caller, redemption.redeemed_by):
        raise access.no_such_coupon()
    actor, now = caller.scope_key(), clock.now()
    if redemption.released_at is not None or not await repository.release(session, redemption.id, actor, now):
        return await repository.redemption(session, coupon.id, redemption.id) or redemption
    expires_at = expiry_after_release(coupon.expires_at, redemption.redeemed_at, now)
    await ledger.append(session, coupon.id, "released", actor, now, redemption_id=redemption.id, order_id=redemption.order_id, expires_at=expires_at.isoformat())
    await outbox.add(session, outbound.released(coupon, redemption, expires_at, now), now)
    if not await repository.reopen_unless_exchange_cancelled(session, coupon.id, expires_at, now):
        # The exchange ended while the order held the coupon: it must not become spendable again.
        fresh = await repository.by_code(session, coupon.code) or coupon
        reason = fresh.exchange_cancelled_reason or "exchange_cancelled"
        if await repository.void(session, coupon.id, "redeemed", reason, now):
            await ledger.append(session, coupon.id, "voided", actor, now, reason=reason)
            await outbox.add(session, outbound.voided(coupon, reason, now), now)
    return await repository.redemption(session, coupon.id, redemption.id) or redemption
