"""Quoting an old phone: identify it, check it may be taken from this account, price it, apply the assured floor."""

from dataclasses import dataclass
from datetime import timedelta

from contracts.imei import tac_of
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.ids import new_id
from servicekit.principal import Principal
from valuation.db import read_models, repository
from valuation.domain.condition import Condition
from valuation.domain.device import blocked, check_imei, check_model
from valuation.domain.plan import assured_floor, check_owner
from valuation.domain.pricing import check_eligible, make_offer
from valuation.domain.quote import Quote
from valuation.domain.refusal import Refused, not_found
from valuation.pricing import PricingAdapter, PricingUnavailable
from valuation.pricing.builtin import BuiltinPricing
from valuation.service.access import require_visible


@dataclass(frozen=True)
class QuoteRequest:
    account_id: str
    partner_key: str | None
    imei: str
    model_id: str | None
    condition: Condition


@dataclass(frozen=True)
class Rules:
    deductions: dict[str, int]
    minimum_offer_paise: int
    validity: timedelta


def quoted_account(principal: Principal, named: str | None) -> str:
    """Customers quote for themselves; partners (and ops, optionally) name the account."""
    if principal.is_partner:
        if principal.partner_kind == "checkout":
            raise Refused("not_found", "Not found.")
        if not named:
            raise Refused("validation_error", "Partners must name the customer's account.", "account_id", field_error="required for partners")
        return named
    if named and named != principal.account_id and not principal.is_ops:
        raise Refused("validation_error", "Customers quote for their own account.", "account_id", field_error="must be your own account")
    return named or principal.subject or ""


async def create_quote(db: Database, pricing: PricingAdapter, clock: Clock, rules: Rules, request: QuoteRequest) -> Quote:
    """Price the phone and record the quote; the partner is asked outside any write transaction.

    Checks in the order docs/valuation.md gives; the first failure answers.
    """
    check_imei(request.imei)
    async with db.reading() as session:
        facts = await read_models.phone_facts(session, request.imei, tac_of(request.imei))
        if facts.blocked:
            raise blocked()
        model = check_model(facts.model, request.model_id)
        live = await read_models.live_plans_naming(session, request.imei)
    check_owner(live, request.account_id)
    assured = assured_floor(live, request.account_id, clock.today())
    check_eligible(request.condition)  # before asking the partner: ineligible phones need no price
    try:
        if isinstance(pricing, BuiltinPricing):  # its table was read with the facts above
            market_price = pricing.read_along(model.id, facts.table_price_paise)
        else:
            market_price = await pricing.market_price(model.id)
    except PricingUnavailable as exc:
        raise Refused("pricing_unavailable", str(exc)) from exc
    now = clock.now()
    quote = Quote(
        id=new_id("qte"),
        account_id=request.account_id,
        partner_key=request.partner_key,
        imei=request.imei,
        model_id=model.id,
        condition=request.condition,
        offer=make_offer(market_price, request.condition, rules.deductions, assured, rules.minimum_offer_paise),
        accepted=False,
        expires_at=now + rules.validity,
        created_at=now,
    )
    async with db.transaction() as session:
        await repository.add_quote(session, quote)
    return quote


async def visible_quote(db: Database, principal: Principal, quote_id: str) -> Quote:
    """The quote, if the caller may see it; otherwise 404 whether or not it exists."""
    async with db.reading() as session:
        quote = await repository.get_quote(session, quote_id)
    if quote is None:
        raise not_found("quote")
    require_visible(principal, "quote", quote.account_id, quote.partner_key)
    return quote
