"""Webhook endpoint routes (partners; ops list and disable). Thin: parse, call one use case or query, shape the answer."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from notification.api.schemas import DeliveryOut, DeliveryPage, DisableBody, EndpointBody, EndpointOut, EndpointPage, EndpointWithSecret
from notification.config import Settings
from notification.service import endpoints, queries
from notification.service.access import not_found
from servicekit.clock import ClockDep
from servicekit.inputs import ID_PATTERN
from servicekit.pagination import Keyset, NewestFirst, PageRequest
from servicekit.principal import Principal as Who
from servicekit.principal import PrincipalDep, admits, require_partner, require_signed_in

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

EndpointId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
DeliveryId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
NEWEST = Keyset[NewestFirst](NewestFirst)
NewestPage = Annotated[PageRequest[NewestFirst], Depends(NEWEST.requests(default_limit=50))]
PartnerDep = Annotated[Who, Depends(require_partner())]


@admits("ops", "partner:retailer", "partner:logistics", "partner:checkout")  # what the OpenAPI document says (servicekit/openapi.py)
async def _partner_or_ops(principal: PrincipalDep) -> Who:
    await require_signed_in(principal)
    if not (principal.is_partner or principal.is_ops):
        raise not_found()
    return principal


PartnerOrOpsDep = Annotated[Who, Depends(_partner_or_ops)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@router.post("/endpoints", response_model=EndpointWithSecret, status_code=201, summary="Register an endpoint (partner); its secret is shown only now")
async def register(body: EndpointBody, request: Request, principal: PartnerDep, clock: ClockDep) -> EndpointWithSecret:
    endpoint, secret = await endpoints.register(
        request.app.state.db, request.app.state.secret_box, principal, body.url, body.event_types, body.description,
        loopback_allowed=_settings(request).loopback_webhooks, now=clock.now(),
    )  # fmt: skip
    return EndpointWithSecret(**EndpointOut.of(endpoint).model_dump(), secret=secret)


@router.get("/endpoints", response_model=EndpointPage, summary="The partner's endpoints (ops: every partner's), newest first")
async def list_endpoints(request: Request, principal: PartnerOrOpsDep, page: NewestPage) -> EndpointPage:
    rows = await queries.endpoints_of(request.app.state.db, principal, page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda e: (e.created_at, e.id))
    return EndpointPage(items=[EndpointOut.of(e) for e in items], next_cursor=next_cursor)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, summary="One endpoint: its state and, when disabled, why")
async def get_endpoint(endpoint_id: EndpointId, request: Request, principal: PartnerOrOpsDep) -> EndpointOut:
    return EndpointOut.of(await queries.endpoint(request.app.state.db, principal, endpoint_id))


@router.post("/endpoints/{endpoint_id}/disable", response_model=EndpointOut, summary="Stop deliveries (partner or ops); they wait until re-enabled")
async def disable(endpoint_id: EndpointId, request: Request, principal: PartnerOrOpsDep, clock: ClockDep, body: DisableBody | None = None) -> EndpointOut:
    reason = body.reason if body else None
    return EndpointOut.of(await endpoints.disable(request.app.state.db, principal, endpoint_id, reason, clock.now()))


@router.post("/endpoints/{endpoint_id}/enable", response_model=EndpointOut, summary="Deliver again (the partner), e.g. after fixing what disabled it")
async def enable(endpoint_id: EndpointId, request: Request, principal: PartnerDep, clock: ClockDep) -> EndpointOut:
    return EndpointOut.of(await endpoints.enable(request.app.state.db, principal, endpoint_id, clock.now()))


@router.post(
    "/endpoints/{endpoint_id}/secret/rotate", response_model=EndpointWithSecret,
    summary="A new secret (shown only now); the old one still signs beside it for 24 h",
)  # fmt: skip
async def rotate_secret(endpoint_id: EndpointId, request: Request, principal: PartnerDep, clock: ClockDep) -> EndpointWithSecret:
    overlap = timedelta(seconds=_settings(request).secret_overlap_seconds)
    endpoint, secret = await endpoints.rotate_secret(request.app.state.db, request.app.state.secret_box, principal, endpoint_id, overlap, clock.now())
    return EndpointWithSecret(**EndpointOut.of(endpoint).model_dump(), secret=secret)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=DeliveryPage, summary="The endpoint's delivery log, newest first")
async def list_deliveries(endpoint_id: EndpointId, request: Request, principal: PartnerOrOpsDep, page: NewestPage) -> DeliveryPage:
    rows = await queries.deliveries_of(request.app.state.db, principal, endpoint_id, page.after, page.fetch)
    items, next_cursor = page.page(rows, lambda d: (d.created_at, d.id))
    return DeliveryPage(items=[DeliveryOut.of(d) for d in items], next_cursor=next_cursor)


@router.post(
    "/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut, status_code=202,
    summary="Send a delivery again from now, with a new 24 h window (same webhook-id)",
)  # fmt: skip
async def redeliver(endpoint_id: EndpointId, delivery_id: DeliveryId, request: Request, principal: PartnerOrOpsDep, clock: ClockDep) -> DeliveryOut:
    return DeliveryOut.of(await endpoints.redeliver(request.app.state.db, principal, endpoint_id, delivery_id, clock.now()))
