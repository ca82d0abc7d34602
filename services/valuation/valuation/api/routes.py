"""Quote and exchange routes. Thin: parse, call one use case, shape the answer."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.inputs import ID_PATTERN
from servicekit.pagination import Keyset, NewestFirst, PageRequest
from servicekit.principal import CustomerDep, Principal, SignedInDep, require_partner
from valuation.api.schemas import AcceptBody, ExchangeOut, ExchangePage, HandoverBody, HandoverOut, QuoteBody, QuoteOut
from valuation.api.views import exchange_out, quote_out
from valuation.service import accepting, exchanges, handover, quotes
from valuation.service.errors import answering_refusals

router = APIRouter(prefix="/api/v1", tags=["valuation"])

QuoteId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
ExchangeId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
EXCHANGES = Keyset[NewestFirst](NewestFirst)
ExchangesPage = Annotated[PageRequest[NewestFirst], Depends(EXCHANGES.requests(default_limit=20))]
HandoverPartner = Annotated[Principal, Depends(require_partner("logistics", "retailer"))]


def rules(request: Request) -> quotes.Rules:
    settings = request.app.state.settings
    return quotes.Rules(settings.deductions, settings.minimum_offer_paise, timedelta(hours=settings.quote_validity_hours))


@router.post("/quotes", response_model=QuoteOut, status_code=201, summary="Get an itemised trade-in quote")
async def create_quote(body: QuoteBody, request: Request, principal: SignedInDep, clock: ClockDep) -> QuoteOut:
    wanted = quotes.QuoteRequest(
        account_id=quotes.quoted_account(principal, body.account_id),
        partner_key=principal.subject if principal.is_partner else None,
        imei=body.imei,
        model_id=body.model_id,
        condition=body.condition.to_condition(),
    )
    quote = await quotes.create_quote(request.app.state.db, request.app.state.pricing, clock, rules(request), wanted)
    return quote_out(quote, clock.now())


@router.get("/quotes/{quote_id}", response_model=QuoteOut, summary="One quote (owner, quoting partner, ops)")
async def get_quote(quote_id: QuoteId, request: Request, principal: SignedInDep, clock: ClockDep) -> QuoteOut:
    return quote_out(await quotes.visible_quote(request.app.state.db, principal, quote_id), clock.now())


@router.post("/quotes/{quote_id}/accept", response_model=ExchangeOut, status_code=201, summary="Accept a quote: opens an exchange")
async def accept_quote(
    quote_id: QuoteId, request: Request, principal: SignedInDep, clock: ClockDep, idempotency: IdempotencyDep, body: AcceptBody | None = None
) -> Response:
    device_present = body is not None and body.device_present
    minimum = request.app.state.settings.minimum_offer_paise

    async def effect(session: AsyncSession) -> tuple[int, ExchangeOut]:
        exchange = await accepting.accept(session, request.app.state.outbox, clock, minimum, principal, quote_id, device_present)
        return 201, exchange_out(exchange, principal)

    return await idempotency.run(answering_refusals(effect))


@router.get("/exchanges/{exchange_id}", response_model=ExchangeOut, summary="One exchange (owner, partners involved, ops)")
async def get_exchange(exchange_id: ExchangeId, request: Request, principal: SignedInDep) -> ExchangeOut:
    return exchange_out(await exchanges.visible_exchange(request.app.state.db, principal, exchange_id), principal)


@router.get("/me/exchanges", response_model=ExchangePage, summary="The caller's exchanges, newest first")
async def my_exchanges(request: Request, principal: CustomerDep, page: ExchangesPage) -> ExchangePage:
    found = await exchanges.exchanges_of(request.app.state.db, principal.account_id or "", page.after, page.fetch)
    items, next_cursor = page.page(found, lambda e: (e.created_at, e.id))
    return ExchangePage(items=[exchange_out(e, principal) for e in items], next_cursor=next_cursor)


@router.post(
    "/exchanges/{exchange_id}/cancel",
    response_model=ExchangeOut,
    summary="Ask to cancel before the coupon is used (owner): 200 `cancelling`; poll the exchange until `cancelled`",
)
async def cancel_exchange(exchange_id: ExchangeId, request: Request, principal: CustomerDep, clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    async def effect(session: AsyncSession) -> tuple[int, ExchangeOut]:
        exchange = await exchanges.cancel(session, request.app.state.outbox, clock, principal, exchange_id)
        return 200, exchange_out(exchange, principal)

    return await idempotency.run(answering_refusals(effect))


@router.post("/exchanges/{exchange_id}/handover", response_model=HandoverOut, summary="Hand over the old phone at delivery (logistics; the retailer of the exchange)")
async def hand_over(
    exchange_id: ExchangeId, body: HandoverBody, request: Request, partner: HandoverPartner, clock: ClockDep, idempotency: IdempotencyDep
) -> Response:
    inspection = handover.Inspection(body.imei, body.checklist.model_dump(), body.condition.to_condition(), body.evidence)

    async def effect(session: AsyncSession) -> tuple[int, HandoverOut]:
        exchange, verdict = await handover.hand_over(session, request.app.state.outbox, clock, rules(request), partner, exchange_id, inspection)
        out = exchange_out(exchange, partner)
        return 200, HandoverOut(exchange=out, outcome=verdict.outcome, reasons=verdict.reasons, repriced_paise=verdict.repriced_paise)

    return await idempotency.run(answering_refusals(effect))
