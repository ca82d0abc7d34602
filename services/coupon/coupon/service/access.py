"""Who may see and use a coupon. Anyone else is told it does not exist (404), never 403."""

from sqlalchemy.ext.asyncio import AsyncSession

from coupon.db import repository
from coupon.domain.code import normalise
from coupon.domain.coupon import Coupon
from servicekit.principal import Principal
from servicekit.refusals import Refused

REDEEMING_PARTNERS = ("checkout", "retailer")


def no_such_coupon() -> Refused:
    """Unknown, malformed, hidden and another account's codes all look the same: guessing learns nothing."""
    return Refused("not_found", "No such coupon.")


def may_view(principal: Principal, coupon: Coupon, account_id: str | None = None) -> bool:
    """Owner, ops and the checkout; a retail partner only when it names the owning account."""
    if principal.is_ops:
        return True
    if principal.kind == "customer":
        return principal.subject == coupon.account_id
    if principal.is_partner and principal.partner_kind == "checkout":
        return True
    return principal.is_partner and principal.partner_kind == "retailer" and account_id == coupon.account_id


def may_read_ledger(principal: Principal, coupon: Coupon) -> bool:
    """The ledger is for the owner and ops (SPEC §7)."""
    return principal.is_ops or (principal.kind == "customer" and principal.subject == coupon.account_id)


def acting_account(principal: Principal, account_id: str | None) -> str:
    """The account an order is paid for: the caller's own, or the one a checkout/retail partner names."""
    if principal.account_id is not None:
        return principal.account_id
    if principal.is_partner and principal.partner_kind in REDEEMING_PARTNERS:
        if not account_id:
            raise Refused("validation_error", "A partner must name the customer's account.", "account_id", field_error="required for partners")
        return account_id
    raise no_such_coupon()


def may_release(principal: Principal, redeemed_by: str) -> bool:
    """The order system gives coupons back: ops, the checkout, or the retail partner that redeemed it."""
    if principal.is_ops or (principal.is_partner and principal.partner_kind == "checkout"):
        return True
    return principal.is_partner and principal.partner_kind == "retailer" and redeemed_by == principal.scope_key()


async def visible_coupon(session: AsyncSession, code: str, principal: Principal, account_id: str | None = None) -> Coupon:
    """The coupon a typed code names, if this caller may see it; unknown, malformed and hidden codes all answer 404."""
    coupon = await coupon_named(session, code)
    if not may_view(principal, coupon, account_id):
        raise no_such_coupon()
    return coupon


async def visible_coupon_to_redeem(session: AsyncSession, code: str, principal: Principal, account_id: str) -> tuple[Coupon, bool]:
    """visible_coupon, with whether an order holds it now (read in the same statement)."""
    canonical = normalise(code)
    found = await repository.by_code_with_hold(session, canonical) if canonical else None
    if found is None or not may_view(principal, found[0], account_id):
        raise no_such_coupon()
    return found


async def coupon_named(session: AsyncSession, code: str) -> Coupon:
    """The coupon a typed code names (lowercase and missing dashes accepted), else 404."""
    canonical = normalise(code)
    coupon = await repository.by_code(session, canonical) if canonical else None
    if coupon is None:
        raise no_such_coupon()
    return coupon
