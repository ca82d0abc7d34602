"""Ops routes: the IMEI blocklist and the built-in engine's market prices."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from servicekit.clock import ClockDep
from servicekit.inputs import PRINTABLE
from servicekit.principal import OpsDep
from valuation.api.schemas import BlockBody, BlockOut, MarketPriceBody, MarketPriceOut
from valuation.api.views import block_out, market_price_out
from valuation.service import ops

router = APIRouter(prefix="/api/v1", tags=["valuation ops"])

ModelId = Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


@router.post(
    "/blocklist", response_model=BlockOut, status_code=201, responses={200: {"model": BlockOut, "description": "Already blocked; reason updated"}},
    summary="Block a lost or stolen IMEI (ops)",
)
async def block(body: BlockBody, request: Request, response: Response, clock: ClockDep, principal: OpsDep) -> BlockOut:
    entry, created = await ops.block(request.app.state.db, clock, principal, body.imei, body.reason)
    response.status_code = 201 if created else 200
    return block_out(entry)


@router.delete("/blocklist/{imei}", status_code=204, summary="Lift a block (ops)")
async def unblock(imei: Annotated[str, Path(max_length=32, pattern=PRINTABLE)], request: Request, _: OpsDep) -> Response:
    await ops.unblock(request.app.state.db, imei)
    return Response(status_code=204)


@router.put(
    "/market-prices/{model_id}", response_model=MarketPriceOut, responses={201: {"model": MarketPriceOut, "description": "Created"}},
    summary="Set a model's market price (ops, built-in engine)",
)
async def put_market_price(
    model_id: ModelId, body: MarketPriceBody, request: Request, response: Response, clock: ClockDep, principal: OpsDep
) -> MarketPriceOut:
    price, created = await ops.set_market_price(request.app.state.db, clock, principal, model_id, body.price_paise)
    response.status_code = 201 if created else 200
    return market_price_out(price)


@router.get("/market-prices/{model_id}", response_model=MarketPriceOut, summary="A model's market price (ops)")
async def get_market_price(model_id: ModelId, request: Request, _: OpsDep) -> MarketPriceOut:
    return market_price_out(await ops.market_price(request.app.state.db, model_id))
