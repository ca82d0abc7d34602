"""Spending a coupon on an order, and giving it back when the order is cancelled before delivery."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db import catalog, ledger, repository
from coupon.domain.coupon import (
    Coupon,
    CouponExpired,
    CouponNotActive,
    Eligibility,
    NoEligibleItem,
    OrderLine,
    Redemption,
    apply_to_order,
    expiry_after_release,
)
from coupon.events import outbound
from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.problems import Problem


@dataclass(frozen=True)
class Order:
    order_id: str
    lines: Sequence[OrderLine]


def _already_redeemed(held: Redemption) -> Problem:
    return Problem(409, "coupon_already_redeemed", "The coupon is already redeemed on another order.", redemption_id=held.id)


async def _explain_refusal(session: AsyncSession, coupon: Coupon, order: Order, clock: Clock) -> Redemption:
    """Why this order cannot have the coupon, read afresh: unless the same order already holds it (then that redemption)."""
    held = await repository.live_redemption(session, coupon.id)
    if held is not None:
        if held.order_id == order.order_id:
            return held
        raise _already_redeemed(held)
    fresh = await repository.by_code(session, coupon.code) or coupon
    try:
        fresh.check_redeemable(clock.now())
    except CouponExpired as exc:
        raise Problem(409, "coupon_expired", str(exc), expires_at=fresh.expires_at.isoformat()) from exc
    except CouponNotActive as exc:
        raise Problem(409, "coupon_not_active", str(exc), status_now=fresh.status) from exc
    # A passing state (a release or another order racing with this one): a retry, even with the same
    # Idempotency-Key, is tried afresh.
    raise Problem(409, "coupon_not_active", "The coupon changed while this order was being placed; try again.", retryable=True)


async def redeem(
    session: AsyncSession, outbox: Outbox, clock: Clock, eligibility: Eligibility, coupon: Coupon, order: Order, account_id: str, actor: str
) -> tuple[Redemption, bool]:
    """Apply the coupon to the order; returns the redemption and whether it is new."""
    if coupon.account_id != account_id:
        raise Problem(404, "not_found", "No such coupon.")
    now = clock.now()
    held = await repository.live_redemption(session, coupon.id)
    if held is not None or coupon.status_at(now) != "active":
        return await _explain_refusal(session, coupon, order, clock), False
    known = await catalog.entries(session, {line.model_id for line in order.lines})
    try:
        discount = apply_to_order(coupon.amount_paise, order.lines, known, eligibility)
    except NoEligibleItem as exc:
        raise Problem(422, "no_eligible_item", str(exc)) from exc
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
        raise Problem(409, "coupon_already_redeemed", "The coupon is already redeemed on another order.") from exc
    await ledger.append(
        session, coupon.id, "redeemed", actor, now,
        redemption_id=redemption.id, order_id=order.order_id, line_id=redemption.line_id, model_id=redemption.model_id,
        discount_paise=redemption.discount_paise, forfeited_paise=redemption.forfeited_paise,
    )  # fmt: skip
    await outbox.add(session, outbound.redeemed(coupon, redemption), now)
    return redemption, True


async def release(session: AsyncSession, outbox: Outbox, clock: Clock, coupon: Coupon, redemption: Redemption, actor: str) -> Redemption:
    """Give the coupon back with the held time added to its expiry; releasing again changes nothing."""
    now = clock.now()
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
