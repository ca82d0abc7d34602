"""Quoting an old phone: identify it, check it may be taken, price it, apply the assured floor."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.imei import is_valid_imei, tac_of
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.ids import new_id
from servicekit.problems import Problem
from valuation.db import repository
from valuation.domain.condition import Condition
from valuation.domain.pricing import Assured, DeviceNotEligible, Offer, check_eligible, make_offer, window_on
from valuation.pricing import PricingAdapter, PricingUnavailable


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


def not_eligible(reasons: list[str]) -> Problem:
    return Problem(422, "device_not_eligible", "This phone cannot be taken in: " + ", ".join(reasons) + ".", reasons=reasons)


async def identify(session: AsyncSession, request: QuoteRequest) -> str:
    """The model id of the phone, after the IMEI, blocklist, TAC and programme checks."""
    if not is_valid_imei(request.imei):
        raise Problem(422, "imei_invalid", "An IMEI is 15 digits ending in a valid Luhn check digit.")
    if await repository.blocklisted(session, request.imei):
        raise Problem(422, "imei_blocklisted", "This IMEI is reported lost or stolen.")
    model = await repository.model_by_tac(session, tac_of(request.imei))
    if model is None:
        raise Problem(422, "tac_unknown", "No model in the catalog has this IMEI's TAC.")
    if request.model_id is not None and request.model_id != model.id:
        raise Problem(422, "imei_model_mismatch", f"This IMEI belongs to {model.id}, not {request.model_id}.")
    if not model.exchange_eligible:
        raise Problem(422, "model_not_eligible", f"{model.name} is not on the exchange list.")
    return model.id


REGISTERED_ELSEWHERE = "registered_to_another_account"


async def live_plans_of_device(session: AsyncSession, imei: str, account_id: str) -> list:
    """The live plans naming this IMEI; refused (422 `device_not_eligible`) if none is this account's.

    A phone with a Smart Upgrade plan was sold in store to the plan's account against an invoice:
    only that account (itself, or a partner or ops acting for it) may trade it in. Anyone else
    learns only that this phone cannot be taken in from them, not whose it is.
    """
    live = await repository.live_plans_naming(session, imei)
    if live and not any(plan.account_id == account_id for plan in live):
        raise not_eligible([REGISTERED_ELSEWHERE])
    return live


async def assured_floor(session: AsyncSession, imei: str, account_id: str, clock: Clock) -> Assured | None:
    """The assured value of this account's active plan for the IMEI, if today is in one of its windows."""
    for plan in await repository.active_plans_for(session, imei, account_id):
        window = window_on(repository.schedule_from_json(plan.schedule), clock.today())
        if window is not None:
            return Assured(plan.plan_id, window.percent, window.amount_paise)
    return None


async def create_quote(db: Database, pricing: PricingAdapter, clock: Clock, rules: Rules, request: QuoteRequest) -> dict:
    """Price the phone and record the quote; the partner is asked outside any write transaction."""
    async with db.reading() as session:
        model_id = await identify(session, request)
        await live_plans_of_device(session, request.imei, request.account_id)
        assured = await assured_floor(session, request.imei, request.account_id, clock)
    try:
        check_eligible(request.condition)  # before asking the partner: ineligible phones need no price
        market_price = await pricing.market_price(model_id)
        offer = make_offer(market_price, request.condition, rules.deductions, assured, rules.minimum_offer_paise)
    except DeviceNotEligible as exc:
        raise not_eligible(exc.reasons) from exc
    except PricingUnavailable as exc:
        raise Problem(503, "pricing_unavailable", str(exc)) from exc
    row = quote_row(request, model_id, offer, clock.now(), rules.validity)
    async with db.transaction() as session:
        await repository.add_quote(session, **row)
    return row


def quote_row(request: QuoteRequest, model_id: str, offer: Offer, now: datetime, validity: timedelta) -> dict:
    return {
        "id": new_id("qte"),
        "account_id": request.account_id,
        "partner_key": request.partner_key,
        "imei": request.imei,
        "model_id": model_id,
        "condition": condition_json(request.condition),
        "market_price_paise": offer.market_price_paise,
        "deductions": [{"reason": d.reason, "amount_paise": d.amount_paise} for d in offer.deductions],
        "market_offer_paise": offer.market_offer_paise,
        "assured": asdict(offer.assured) if offer.assured else None,
        "amount_paise": offer.amount_paise,
        "program": offer.program,
        "status": "offered",
        "expires_at": now + validity,
        "created_at": now,
    }


def condition_json(condition: Condition) -> dict:
    return {
        "powers_on": condition.powers_on,
        "screen": condition.screen,
        "body": condition.body,
        "functional_issues": sorted(condition.functional_issues),
        "accessories": sorted(condition.accessories),
    }


def quote_status(stored: str, expires_at: datetime, now: datetime) -> str:
    """`expired` is not stored: an offered quote past its expiry simply is expired."""
    return "expired" if stored == "offered" and now >= expires_at else stored
