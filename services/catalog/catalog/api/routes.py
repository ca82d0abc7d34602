"""Catalog routes: public reads, ops-only writes. Thin: parse, call one use case, shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.api.schemas import DeviceOut, ModelBody, ModelOut, ModelPage, SrpPointBody
from catalog.domain.model import SrpPoint
from catalog.service import changes, queries
from catalog.service.errors import answering_refusals
from catalog.service.view import CatalogView
from contracts.imei import tac_of
from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.inputs import MAX_SLUG_LENGTH, SLUG_PATTERN
from servicekit.pagination import BySlug, Keyset, PageRequest
from servicekit.principal import OpsDep

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

ModelId = Annotated[str, Path(max_length=MAX_SLUG_LENGTH, pattern=SLUG_PATTERN, examples=["redmi-9-prime-4gb-64gb"])]
MODELS = Keyset[BySlug](BySlug)
ModelsPage = Annotated[PageRequest[BySlug], Depends(MODELS.requests(default_limit=50))]


def _view(request: Request) -> CatalogView:
    return request.app.state.view


@router.get("/models", response_model=ModelPage, summary="List models")
async def list_models(
    request: Request,
    clock: ClockDep,
    page: ModelsPage,
    program: Annotated[queries.Program | None, Query(description="Only models eligible for this programme")] = None,
    brand: Annotated[str | None, Query(max_length=50)] = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name, brand or id")] = None,
) -> ModelPage:
    wanted = queries.ModelFilter(program, brand, category, q)
    rows = await queries.list_models(_view(request), wanted, page.after[0] if page.after else None, page.fetch)
    items, next_cursor = page.page(rows, lambda m: (m.id,))
    today = clock.today()
    return ModelPage(items=[ModelOut.of(m, today) for m in items], next_cursor=next_cursor)


@router.get("/models/{model_id}", response_model=ModelOut, summary="One model")
async def get_model(model_id: ModelId, request: Request, clock: ClockDep) -> ModelOut:
    return ModelOut.of(await queries.model(_view(request), model_id), clock.today())


@router.get("/devices/{imei}", response_model=DeviceOut, summary="Identify a device by IMEI")
async def identify_device(imei: Annotated[str, Path(max_length=32)], request: Request, clock: ClockDep) -> DeviceOut:
    model = await queries.identify_device(_view(request), imei)
    return DeviceOut(tac=tac_of(imei), model=ModelOut.of(model, clock.today()))


@router.put(
    "/models/{model_id}", response_model=ModelOut, responses={201: {"model": ModelOut, "description": "Created"}}, summary="Create or replace a model (ops)"
)
async def put_model(model_id: ModelId, body: ModelBody, request: Request, response: Response, clock: ClockDep, _: OpsDep) -> ModelOut:
    model = body.to_model(model_id)
    created = await changes.upsert_model(request.app.state.db, request.app.state.outbox, clock, model)
    _view(request).invalidate()
    response.status_code = 201 if created else 200
    return ModelOut.of(model, clock.today())


@router.post("/models/{model_id}/prices", response_model=ModelOut, status_code=201, summary="Add an SRP (ops)")
async def add_price(model_id: ModelId, body: SrpPointBody, request: Request, clock: ClockDep, idempotency: IdempotencyDep, _: OpsDep) -> Response:
    async def effect(session: AsyncSession) -> tuple[int, ModelOut]:
        model = await changes.add_price(session, request.app.state.outbox, clock, model_id, SrpPoint(body.effective_from, body.srp_paise))
        return 201, ModelOut.of(model, clock.today())

    response = await idempotency.run(answering_refusals(effect))
    _view(request).invalidate()
    return response
