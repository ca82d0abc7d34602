"""Coupon routes. Thin: parse, call one use case or query, shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from coupon.api.schemas import CouponOut, CouponPage, LedgerEntryOut, LedgerPage, RedemptionBody, RedemptionOut, Restrictions
from coupon.domain.coupon import Eligibility
from coupon.service import access, queries, redeeming
from coupon.service.errors import answering_refusals
from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.inputs import ID_PATTERN
from servicekit.pagination import InSequence, Keyset, NewestFirst, PageRequest
from servicekit.principal import CustomerDep, SignedInDep

router = APIRouter(prefix="/api/v1", tags=["coupons"])

Code = Annotated[str, Path(max_length=40, description="The coupon code; lowercase and without dashes is accepted", examples=["7KQ4-M2ZD-9XWB-H3RT"])]
RedemptionId = Annotated[str, Path(max_length=60, pattern=ID_PATTERN)]
COUPONS = Keyset[NewestFirst](NewestFirst)
CouponsPage = Annotated[PageRequest[NewestFirst], Depends(COUPONS.requests(default_limit=50))]
LEDGER = Keyset[InSequence](InSequence)
LedgerPageRequest = Annotated[PageRequest[InSequence], Depends(LEDGER.requests(default_limit=100))]
AccountQuery = Annotated[str | None, Query(max_length=100, description="The owning account; lets a retail partner look a coupon up")]


def _restrictions(request: Request) -> Restrictions:
    settings = request.app.state.settings
    return Restrictions(categories=settings.eligible_categories, brands=settings.eligible_brands)


def _eligibility(request: Request) -> Eligibility:
    settings = request.app.state.settings
    return Eligibility.of(settings.eligible_brands, settings.eligible_categories)


@router.get("/me/coupons", response_model=CouponPage, summary="My coupons, newest first")
async def my_coupons(request: Request, principal: CustomerDep, clock: ClockDep, page: CouponsPage) -> CouponPage:
    rows = await queries.coupons_of(request.app.state.db, principal.subject or "", page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda row: (row[0].issued_at, row[0].id))
    now, restrictions = clock.now(), _restrictions(request)
    return CouponPage(items=[CouponOut.of(coupon, held, restrictions, now) for coupon, held in items], next_cursor=next_cursor)


@router.get("/coupons/{code}", response_model=CouponOut, summary="One coupon (owner, ops, checkout; a retailer naming the account)")
async def get_coupon(code: Code, request: Request, principal: SignedInDep, clock: ClockDep, account_id: AccountQuery = None) -> CouponOut:
    coupon, held = await queries.coupon_for(request.app.state.db, code, principal, account_id)
    return CouponOut.of(coupon, held, _restrictions(request), clock.now())


@router.get("/coupons/{code}/events", response_model=LedgerPage, summary="The coupon's ledger (owner, ops)")
async def coupon_events(code: Code, request: Request, principal: SignedInDep, page: LedgerPageRequest) -> LedgerPage:
    entries = await queries.ledger_for(request.app.state.db, code, principal, page.after[0] if page.after else None, page.fetch)
    items, next_cursor = page.page(entries, lambda e: (e.seq,))
    return LedgerPage(items=[LedgerEntryOut.of(e) for e in items], next_cursor=next_cursor)


@router.post(
    "/coupons/{code}/redemptions",
    response_model=RedemptionOut,
    status_code=201,
    summary="Spend the coupon on an order (owner; checkout or retail partner with account_id)",
    responses={200: {"description": "This order already holds the coupon: the same redemption"}},
)
async def redeem(code: Code, body: RedemptionBody, request: Request, principal: SignedInDep, clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    # Who pays is settled before the Idempotency-Key is claimed: a partner naming no account is a malformed request.
    account_id = access.acting_account(principal, body.account_id)
    order = redeeming.Order(body.order_id, [line.to_line() for line in body.lines])

    async def effect(session: AsyncSession) -> tuple[int, RedemptionOut]:
        redemption, created = await redeeming.redeem(
            session, request.app.state.outbox, clock, _eligibility(request), principal, code, order, account_id
        )
        return (201 if created else 200), RedemptionOut.of(redemption)

    return await idempotency.run(answering_refusals(effect))


@router.post(
    "/coupons/{code}/redemptions/{redemption_id}/release",
    response_model=RedemptionOut,
    summary="The order was cancelled before delivery: give the coupon back (checkout, redeeming retailer, ops)",
)
async def release(code: Code, redemption_id: RedemptionId, request: Request, principal: SignedInDep, clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    async def effect(session: AsyncSession) -> tuple[int, RedemptionOut]:
        released = await redeeming.release(session, request.app.state.outbox, clock, principal, code, redemption_id)
        return 200, RedemptionOut.of(released)

    return await idempotency.run(answering_refusals(effect))
