"""Quote and exchange routes. Thin: parse, call one use case, shape the answer."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.inputs import ID_PATTERN
from servicekit.pagination import Keyset, NewestFirst, PageRequest
from servicekit.principal import CustomerDep, Principal, SignedInDep, require_partner
from servicekit.problems import Problem
from valuation.api.schemas import AcceptBody, ExchangeOut, ExchangePage, HandoverBody, HandoverOut, QuoteBody, QuoteOut
from valuation.api.views import exchange_out, quote_out
from valuation.db import repository
from valuation.service import exchanges, handover, quotes
from valuation.service.access import require_visible

router = APIRouter(prefix="/api/v1", tags=["valuation"])

QuoteId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
ExchangeId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
EXCHANGES = Keyset[NewestFirst](NewestFirst)
ExchangesPage = Annotated[PageRequest[NewestFirst], Depends(EXCHANGES.requests(default_limit=20))]
HandoverPartner = Annotated[Principal, Depends(require_partner("logistics", "retailer"))]


def rules(request: Request) -> quotes.Rules:
    settings = request.app.state.settings
    return quotes.Rules(settings.deductions, settings.minimum_offer_paise, timedelta(hours=settings.quote_validity_hours))


def _quoted_account(principal: Principal, body: QuoteBody) -> str:
    """Customers quote for themselves; partners (and ops, optionally) name the account."""
    if principal.is_partner:
        if principal.partner_kind == "checkout":
            raise Problem(404, "not_found", "Not found.")
        if not body.account_id:
            raise Problem(422, "validation_error", "Partners must name the customer's account.", [{"field": "account_id", "message": "required for partners"}])
        return body.account_id
    if body.account_id and body.account_id != principal.account_id and not principal.is_ops:
        raise Problem(422, "validation_error", "Customers quote for their own account.", [{"field": "account_id", "message": "must be your own account"}])
    return body.account_id or principal.subject or ""


@router.post("/quotes", response_model=QuoteOut, status_code=201, summary="Get an itemised trade-in quote")
async def create_quote(body: QuoteBody, request: Request, principal: SignedInDep, clock: ClockDep) -> QuoteOut:
    wanted = quotes.QuoteRequest(
        account_id=_quoted_account(principal, body),
        partner_key=principal.subject if principal.is_partner else None,
        imei=body.imei,
        model_id=body.model_id,
        condition=body.condition.to_condition(),
    )
    row = await quotes.create_quote(request.app.state.db, request.app.state.pricing, clock, rules(request), wanted)
    return quote_out(row, clock.now())


@router.get("/quotes/{quote_id}", response_model=QuoteOut, summary="One quote (owner, quoting partner, ops)")
async def get_quote(quote_id: QuoteId, request: Request, principal: SignedInDep, clock: ClockDep) -> QuoteOut:
    async with request.app.state.db.reading() as session:
        row = await repository.get_quote(session, quote_id)
    if row is None:
        raise Problem(404, "not_found", "No such quote.")
    require_visible(principal, "quote", row.account_id, row.partner_key)
    return quote_out(row._mapping, clock.now())


@router.post("/quotes/{quote_id}/accept", response_model=ExchangeOut, status_code=201, summary="Accept a quote: opens an exchange")
async def accept_quote(
    quote_id: QuoteId, request: Request, principal: SignedInDep, clock: ClockDep, idempotency: IdempotencyDep, body: AcceptBody | None = None
) -> Response:
    device_present = body is not None and body.device_present

    async def effect(session):  # type: ignore[no-untyped-def]
        row = await exchanges.accept(session, request.app.state.outbox, clock, principal, quote_id, device_present)
        return 201, exchange_out(row._mapping, principal)

    return await idempotency.run(effect)


@router.get("/exchanges/{exchange_id}", response_model=ExchangeOut, summary="One exchange (owner, partners involved, ops)")
async def get_exchange(exchange_id: ExchangeId, request: Request, principal: SignedInDep) -> ExchangeOut:
    async with request.app.state.db.reading() as session:
        row = await repository.get_exchange(session, exchange_id)
    if row is None:
        raise Problem(404, "not_found", "No such exchange.")
    require_visible(principal, "exchange", row.account_id, row.partner_key, row.handover_partner_key)
    return exchange_out(row._mapping, principal)


@router.get("/me/exchanges", response_model=ExchangePage, summary="The caller's exchanges, newest first")
async def my_exchanges(request: Request, principal: CustomerDep, page: ExchangesPage) -> ExchangePage:
    async with request.app.state.db.reading() as session:
        rows = await repository.exchanges_of(session, principal.account_id or "", page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda r: (r.created_at, r.id))
    return ExchangePage(items=[exchange_out(r._mapping, principal) for r in items], next_cursor=next_cursor)


@router.post(
    "/exchanges/{exchange_id}/cancel",
    response_model=ExchangeOut,
    summary="Ask to cancel before the coupon is used (owner): 200 `cancelling`; poll the exchange until `cancelled`",
)
async def cancel_exchange(exchange_id: ExchangeId, request: Request, principal: CustomerDep, clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    async def effect(session):  # type: ignore[no-untyped-def]
        row = await exchanges.cancel(session, request.app.state.outbox, clock, principal, exchange_id)
        return 200, exchange_out(row._mapping, principal)

    return await idempotency.run(effect)


@router.post("/exchanges/{exchange_id}/handover", response_model=HandoverOut, summary="Hand over the old phone at delivery (logistics; the retailer of the exchange)")
async def hand_over(
    exchange_id: ExchangeId, body: HandoverBody, request: Request, partner: HandoverPartner, clock: ClockDep, idempotency: IdempotencyDep
) -> Response:
    async def effect(session):  # type: ignore[no-untyped-def]
        row, verdict = await handover.hand_over(
            session,
            request.app.state.outbox,
            clock,
            rules(request),
            partner,
            exchange_id,
            body.imei,
            body.checklist.model_dump(),
            body.condition.to_condition(),
            body.evidence,
        )
        return 200, HandoverOut(exchange=exchange_out(row._mapping, partner), outcome=verdict.outcome, reasons=verdict.reasons, repriced_paise=verdict.repriced_paise)

    return await idempotency.run(effect)
