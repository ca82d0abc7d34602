"""Catalog routes: public reads, ops-only writes. Thin: parse, call one use case, shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from catalog.api.schemas import DeviceOut, ModelBody, ModelOut, ModelPage, SrpPointBody
from catalog.domain.model import SrpPoint
from catalog.service import changes, queries
from catalog.service.view import CatalogView
from contracts.imei import tac_of
from servicekit.clock import ClockDep
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, decode_cursor, encode_cursor
from servicekit.principal import OpsDep
from servicekit.problems import Problem

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

ModelId = Annotated[str, Path(max_length=100, examples=["redmi-9-prime-4gb-64gb"])]


def _view(request: Request) -> CatalogView:
    return request.app.state.view


@router.get("/models", response_model=ModelPage, summary="List models")
async def list_models(
    request: Request,
    clock: ClockDep,
    program: Annotated[queries.Program | None, Query(description="Only models eligible for this programme")] = None,
    brand: Annotated[str | None, Query(max_length=50)] = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name, brand or id")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ModelPage:
    after = decode_cursor(cursor)
    page, last = await queries.list_models(
        _view(request), queries.ModelFilter(program, brand, category, q), str(after[0]) if after else None, limit
    )
    today = clock.today()
    return ModelPage(items=[ModelOut.of(m, today) for m in page], next_cursor=encode_cursor(last) if last else None)


@router.get("/models/{model_id}", response_model=ModelOut, summary="One model")
async def get_model(model_id: ModelId, request: Request, clock: ClockDep) -> ModelOut:
    model = await _view(request).get(model_id)
    if model is None:
        raise Problem(404, "not_found", f"No model {model_id}.")
    return ModelOut.of(model, clock.today())


@router.get("/devices/{imei}", response_model=DeviceOut, summary="Identify a device by IMEI")
async def identify_device(imei: Annotated[str, Path(max_length=32)], request: Request, clock: ClockDep) -> DeviceOut:
    model = await queries.identify_device(_view(request), imei)
    return DeviceOut(tac=tac_of(imei), model=ModelOut.of(model, clock.today()))


@router.put(
    "/models/{model_id}", response_model=ModelOut, responses={201: {"model": ModelOut, "description": "Created"}}, summary="Create or replace a model (ops)"
)
async def put_model(model_id: ModelId, body: ModelBody, request: Request, response: Response, clock: ClockDep, _: OpsDep) -> ModelOut:
    model = body.to_model(model_id)
    async with request.app.state.db.transaction() as session:
        created = await changes.upsert_model(session, request.app.state.outbox, clock, model)
    _view(request).invalidate()
    response.status_code = 201 if created else 200
    return ModelOut.of(model, clock.today())


@router.post("/models/{model_id}/prices", response_model=ModelOut, status_code=201, summary="Add an SRP (ops)")
async def add_price(model_id: ModelId, body: SrpPointBody, request: Request, clock: ClockDep, idempotency: IdempotencyDep, _: OpsDep) -> Response:
    async def effect(session):  # type: ignore[no-untyped-def]
        model = await changes.add_price(session, request.app.state.outbox, clock, model_id, SrpPoint(body.effective_from, body.srp_paise))
        return 201, ModelOut.of(model, clock.today())

    response = await idempotency.run(effect)
    _view(request).invalidate()
    return response
