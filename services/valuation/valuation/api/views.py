"""Domain objects to response shapes, with what each caller may see."""

from datetime import datetime

from servicekit.principal import Principal
from valuation.api.schemas import AssuredOut, BlockOut, ConditionBody, DeductionOut, ExchangeOut, MarketPriceOut, QuoteOut
from valuation.domain.device import BlockedImei
from valuation.domain.exchange import Exchange
from valuation.domain.pricing import MarketPrice
from valuation.domain.quote import Quote


def quote_out(quote: Quote, now: datetime) -> QuoteOut:
    offer, condition = quote.offer, quote.condition
    return QuoteOut(
        id=quote.id,
        status=quote.status_at(now),
        account_id=quote.account_id,
        imei=quote.imei,
        model_id=quote.model_id,
        condition=ConditionBody(
            powers_on=condition.powers_on,
            screen=condition.screen,
            body=condition.body,
            functional_issues=sorted(condition.functional_issues),
            accessories=sorted(condition.accessories),
        ),
        market_price_paise=offer.market_price_paise,
        deductions=[DeductionOut(reason=d.reason, amount_paise=d.amount_paise) for d in offer.deductions],
        market_offer_paise=offer.market_offer_paise,
        assured=AssuredOut(plan_id=offer.assured.plan_id, percent=offer.assured.percent, amount_paise=offer.assured.amount_paise) if offer.assured else None,
        amount_paise=offer.amount_paise,
        program=offer.program,
        expires_at=quote.expires_at,
        created_at=quote.created_at,
    )


def exchange_out(exchange: Exchange, principal: Principal) -> ExchangeOut:
    """The coupon code is the owner's alone: partners and ops see the exchange, not the code."""
    return ExchangeOut(
        id=exchange.id,
        quote_id=exchange.quote_id,
        status=exchange.status,
        account_id=exchange.account_id,
        imei=exchange.imei,
        model_id=exchange.model_id,
        amount_paise=exchange.amount_paise,
        program=exchange.program,
        plan_id=exchange.plan_id,
        coupon_code=exchange.coupon_code if principal.account_id == exchange.account_id else None,
        discounted_paise=exchange.discounted_paise,
        cancel_reason=exchange.cancel_reason,
        device_present=exchange.device_present,
        created_at=exchange.created_at,
        updated_at=exchange.updated_at,
    )


def block_out(block: BlockedImei) -> BlockOut:
    return BlockOut(imei=block.imei, reason=block.reason, added_by=block.added_by, added_at=block.added_at)


def market_price_out(price: MarketPrice) -> MarketPriceOut:
    return MarketPriceOut(model_id=price.model_id, price_paise=price.price_paise, updated_at=price.updated_at, updated_by=price.updated_by)
