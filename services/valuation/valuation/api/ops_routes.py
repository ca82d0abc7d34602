"""Ops routes: the IMEI blocklist and the built-in engine's market prices."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from servicekit.clock import ClockDep
from servicekit.inputs import PRINTABLE
from servicekit.principal import OpsDep
from valuation.api.schemas import BlockBody, BlockOut, MarketPriceBody, MarketPriceOut
from valuation.service import ops

router = APIRouter(prefix="/api/v1", tags=["valuation ops"])

ModelId = Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


@router.post(
    "/blocklist", response_model=BlockOut, status_code=201, responses={200: {"model": BlockOut, "description": "Already blocked; reason updated"}},
    summary="Block a lost or stolen IMEI (ops)",
)
async def block(body: BlockBody, request: Request, response: Response, clock: ClockDep, principal: OpsDep) -> BlockOut:
    async with request.app.state.db.transaction() as session:
        row, created = await ops.block(session, clock, principal, body.imei, body.reason)
    response.status_code = 201 if created else 200
    return BlockOut.model_validate(dict(row._mapping))


@router.delete("/blocklist/{imei}", status_code=204, summary="Lift a block (ops)")
async def unblock(imei: Annotated[str, Path(max_length=32, pattern=PRINTABLE)], request: Request, _: OpsDep) -> Response:
    async with request.app.state.db.transaction() as session:
        await ops.unblock(session, imei)
    return Response(status_code=204)


@router.put(
    "/market-prices/{model_id}", response_model=MarketPriceOut, responses={201: {"model": MarketPriceOut, "description": "Created"}},
    summary="Set a model's market price (ops, built-in engine)",
)
async def put_market_price(
    model_id: ModelId, body: MarketPriceBody, request: Request, response: Response, clock: ClockDep, principal: OpsDep
) -> MarketPriceOut:
    async with request.app.state.db.transaction() as session:
        row, created = await ops.set_market_price(session, clock, principal, model_id, body.price_paise)
    response.status_code = 201 if created else 200
    return MarketPriceOut.model_validate(dict(row._mapping))


@router.get("/market-prices/{model_id}", response_model=MarketPriceOut, summary="A model's market price (ops)")
async def get_market_price(model_id: ModelId, request: Request, _: OpsDep) -> MarketPriceOut:
    async with request.app.state.db.reading() as session:
        row = await ops.market_price(session, model_id)
    return MarketPriceOut.model_validate(dict(row._mapping))
