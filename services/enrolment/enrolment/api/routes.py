"""Enrolment routes. Thin: parse, call one use case or query, shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from enrolment.api.schemas import BuybackValueOut, PlanOut, PlanPage, PreviewOut, SaleBody
from enrolment.service import queries, selling
from enrolment.service.errors import answering_refusals
from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.inputs import DAY_RANGE, ID_PATTERN, MAX_SLUG_LENGTH, SLUG_PATTERN, Day
from servicekit.pagination import Keyset, NewestFirst, PageRequest
from servicekit.principal import CustomerDep, Principal, SignedInDep, require_partner

router = APIRouter(prefix="/api/v1", tags=["enrolment"])

PlanId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN, examples=["pln_abc"])]
PLANS = Keyset[NewestFirst](NewestFirst)
PlansPage = Annotated[PageRequest[NewestFirst], Depends(PLANS.requests(default_limit=50))]
RetailerDep = Annotated[Principal, Depends(require_partner("retailer"))]


@router.post("/plans", response_model=PlanOut, status_code=201, summary="Sell a Smart Upgrade plan (retailer)")
async def sell_plan(body: SaleBody, request: Request, clock: ClockDep, idempotency: IdempotencyDep, retailer: RetailerDep) -> Response:
    async def effect(session: AsyncSession) -> tuple[int, PlanOut]:
        plan = await selling.sell_plan(session, request.app.state.outbox, clock, retailer, body.to_sale())
        return 201, PlanOut.of(plan)

    return await idempotency.run(answering_refusals(effect))


@router.get("/plans/preview", response_model=PreviewOut, summary="Fee, SRP and schedule for a purchase on any date (public)")
async def preview(
    request: Request,
    model_id: Annotated[str, Query(min_length=1, max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN)],
    purchase_date: Annotated[Day, Query(description=f"Asia/Kolkata date of the purchase, {DAY_RANGE}")],
) -> PreviewOut:
    terms = await queries.preview(request.app.state.db, model_id, purchase_date)
    return PreviewOut.of(model_id, purchase_date, terms)


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="One plan (owner, selling store, ops)")
async def get_plan(plan_id: PlanId, request: Request, caller: SignedInDep) -> PlanOut:
    return PlanOut.of(await queries.plan_for(request.app.state.db, caller, plan_id))


@router.get("/plans/{plan_id}/buyback-value", response_model=BuybackValueOut, summary="The assured value on a day")
async def get_buyback_value(
    plan_id: PlanId,
    request: Request,
    clock: ClockDep,
    caller: SignedInDep,
    on: Annotated[Day | None, Query(description=f"Asia/Kolkata date, {DAY_RANGE}; default today")] = None,
) -> BuybackValueOut:
    day = on or clock.today()
    status, value = await queries.buyback_value(request.app.state.db, caller, plan_id, day)
    return BuybackValueOut.of(plan_id, day, status, value)


@router.post("/plans/{plan_id}/cancel", response_model=PlanOut, summary="Cancel within 14 days of the sale, refunding the fee")
async def cancel_plan(plan_id: PlanId, request: Request, clock: ClockDep, idempotency: IdempotencyDep, caller: SignedInDep) -> Response:
    async def effect(session: AsyncSession) -> tuple[int, PlanOut]:
        plan = await selling.cancel_plan(session, request.app.state.outbox, clock, caller, plan_id)
        return 200, PlanOut.of(plan)

    return await idempotency.run(answering_refusals(effect))


@router.get("/me/plans", response_model=PlanPage, summary="The caller's plans, newest first")
async def my_plans(request: Request, caller: CustomerDep, page: PlansPage) -> PlanPage:
    assert caller.account_id is not None
    rows = await queries.plans_of(request.app.state.db, caller.account_id, page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda p: (p.purchased_at, p.id))
    return PlanPage(items=[PlanOut.of(p) for p in items], next_cursor=next_cursor)
