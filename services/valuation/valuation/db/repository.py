"""Loading and saving quotes, exchanges and inspections with lean Core queries; rows come back as domain objects."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from valuation.db.tables import blocklist, exchanges, inspections, quotes
from valuation.domain.condition import Condition, Deduction
from valuation.domain.exchange import OPEN, CancelReason, Exchange, ExchangeStatus
from valuation.domain.handover import Verdict
from valuation.domain.pricing import Assured, Offer
from valuation.domain.quote import Quote


class ExchangeSlotTaken(Exception):
    """Another open exchange holds this account or this IMEI (the unique `open_*` columns)."""


# The statements of a quote and an accept, built once: building a statement (and its cache key) costs
# more than SQLite takes to run it (docs/performance.md, "SQLite in place").
_ADD_QUOTE = insert(quotes)
_ADD_EXCHANGE = insert(exchanges)
_MARK_ACCEPTED = update(quotes).where(quotes.c.id == bindparam("quote_id")).values(status="accepted")
_QUOTE_TO_ACCEPT = (
    select(
        quotes,
        select(blocklist.c.imei).where(blocklist.c.imei == quotes.c.imei).exists().label("blocklisted"),
        select(exchanges.c.id).where(exchanges.c.open_account_id == quotes.c.account_id).exists().label("has_open_exchange"),
    )
    .where(quotes.c.id == bindparam("quote_id"))
    .with_for_update(of=quotes)
)
_OPEN_EXCHANGES_ON = select(exchanges).where(exchanges.c.open_imei.in_(bindparam("imeis", expanding=True))).order_by(exchanges.c.id).with_for_update()


async def add_quote(session: AsyncSession, quote: Quote) -> None:
    offer = quote.offer
    await session.execute(
        _ADD_QUOTE,
        {
            "id": quote.id,
            "account_id": quote.account_id,
            "partner_key": quote.partner_key,
            "imei": quote.imei,
            "model_id": quote.model_id,
            "condition": condition_json(quote.condition),
            "market_price_paise": offer.market_price_paise,
            "deductions": [{"reason": d.reason, "amount_paise": d.amount_paise} for d in offer.deductions],
            "market_offer_paise": offer.market_offer_paise,
            "assured": asdict(offer.assured) if offer.assured else None,
            "amount_paise": offer.amount_paise,
            "program": offer.program,
            "status": "accepted" if quote.accepted else "offered",
            "expires_at": quote.expires_at,
            "created_at": quote.created_at,
        },
    )


async def get_quote(session: AsyncSession, quote_id: str, lock: bool = False) -> Quote | None:
    query = select(quotes).where(quotes.c.id == quote_id)
    row = (await session.execute(query.with_for_update() if lock else query)).one_or_none()
    return _quote_of(row) if row is not None else None


@dataclass(frozen=True)
class QuoteToAccept:
    """A quote row-locked for its accept, with what the accept checks about its IMEI and account."""

    quote: Quote
    blocklisted: bool
    account_has_open_exchange: bool


async def quote_to_accept(session: AsyncSession, quote_id: str) -> QuoteToAccept | None:
    """The quote (FOR UPDATE on PostgreSQL) and two of the accept's checks in one statement: each statement
    costs SQLAlchemy's execution path, most of an accept's CPU here (docs/performance.md)."""
    row = (await session.execute(_QUOTE_TO_ACCEPT, {"quote_id": quote_id})).one_or_none()
    if row is None:
        return None
    return QuoteToAccept(_quote_of(row), bool(row.blocklisted), bool(row.has_open_exchange))


async def mark_quote_accepted(session: AsyncSession, quote_id: str) -> None:
    await session.execute(_MARK_ACCEPTED, {"quote_id": quote_id})


async def get_exchange(session: AsyncSession, exchange_id: str, lock: bool = False) -> Exchange | None:
    query = select(exchanges).where(exchanges.c.id == exchange_id)
    row = (await session.execute(query.with_for_update() if lock else query)).one_or_none()
    return _exchange_of(row) if row is not None else None


async def open_exchanges_on(session: AsyncSession, imeis: list[str]) -> list[Exchange]:
    """The open exchanges holding any of these IMEIs, row-locked (PostgreSQL) in id order.

    A racer that closed one of them first makes PostgreSQL re-check `open_imei` after the lock
    wait, so a row it released is not returned.
    """
    return [_exchange_of(row) for row in await session.execute(_OPEN_EXCHANGES_ON, {"imeis": imeis})]


async def supersede_exchange(session: AsyncSession, held: Exchange, to_status: ExchangeStatus, by: str, now: datetime) -> bool:
    """Close an open exchange as superseded (it gives up its account/IMEI hold); False if it moved meanwhile."""
    result = cast(CursorResult, await session.execute(
        update(exchanges)
        .where(exchanges.c.id == held.id, exchanges.c.status == held.status)
        .values(status=to_status, cancel_reason="superseded", superseded_by=by, open_account_id=None, open_imei=None, updated_at=now)
    ))
    return result.rowcount == 1


async def add_exchange(session: AsyncSession, exchange: Exchange) -> None:
    """Insert an open exchange holding its account and IMEI; ExchangeSlotTaken if another committed first (PostgreSQL)."""
    try:
        await session.execute(
            _ADD_EXCHANGE,
            {
                "id": exchange.id,
                "quote_id": exchange.quote_id,
                "account_id": exchange.account_id,
                "imei": exchange.imei,
                "model_id": exchange.model_id,
                "amount_paise": exchange.amount_paise,
                "program": exchange.program,
                "plan_id": exchange.plan_id,
                "status": exchange.status,
                "open_account_id": exchange.account_id,
                "open_imei": exchange.imei,
                "accepted_by": exchange.accepted_by,
                "partner_key": exchange.partner_key,
                "discounted_paise": exchange.discounted_paise,
                "device_present": exchange.device_present,
                "created_at": exchange.created_at,
                "updated_at": exchange.updated_at,
            },
        )
    except IntegrityError as exc:
        raise ExchangeSlotTaken() from exc


async def move_exchange(
    session: AsyncSession,
    exchange_id: str,
    status: ExchangeStatus,
    now: datetime,
    *,
    discounted_paise: int | None = None,
    cancel_reason: CancelReason | None = None,
    coupon: tuple[str, str] | None = None,
    handover_partner_key: str | None = None,
) -> None:
    """Change state (and what came with the change); a closed exchange releases its hold on the account and the IMEI."""
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status not in OPEN:
        values |= {"open_account_id": None, "open_imei": None}
    if discounted_paise is not None:
        values["discounted_paise"] = discounted_paise
    if cancel_reason is not None:
        values["cancel_reason"] = cancel_reason
    if coupon is not None:
        values["coupon_id"], values["coupon_code"] = coupon
    if handover_partner_key is not None:
        values["handover_partner_key"] = handover_partner_key
    await session.execute(update(exchanges).where(exchanges.c.id == exchange_id).values(**values))


async def exchanges_of(session: AsyncSession, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Exchange]:
    """Up to `limit` of an account's exchanges, newest first, after the given (created_at, id) sort key."""
    query = select(exchanges).where(exchanges.c.account_id == account_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(exchanges.c.created_at < at, and_(exchanges.c.created_at == at, exchanges.c.id < last_id)))
    rows = await session.execute(query.order_by(exchanges.c.created_at.desc(), exchanges.c.id.desc()).limit(limit))
    return [_exchange_of(row) for row in rows]


async def add_inspection(
    session: AsyncSession, inspection_id: str, exchange_id: str, partner_key: str, imei: str, checklist: dict[str, bool],
    found: Condition, evidence: list[str], verdict: Verdict, now: datetime,
) -> None:  # fmt: skip
    """Keep what the partner found and the verdict, whatever it is: the evidence of a revocation."""
    await session.execute(
        insert(inspections).values(
            id=inspection_id,
            exchange_id=exchange_id,
            partner_key=partner_key,
            imei=imei,
            checklist=checklist,
            condition=condition_json(found),
            evidence=evidence,
            outcome=verdict.outcome,
            reasons=verdict.reasons,
            repriced_paise=verdict.repriced_paise,
            inspected_at=now,
        )
    )


def condition_json(condition: Condition) -> dict[str, Any]:
    return {
        "powers_on": condition.powers_on,
        "screen": condition.screen,
        "body": condition.body,
        "functional_issues": sorted(condition.functional_issues),
        "accessories": sorted(condition.accessories),
    }


def _condition_of(raw: dict[str, Any]) -> Condition:
    return Condition(raw["powers_on"], raw["screen"], raw["body"], frozenset(raw["functional_issues"]), frozenset(raw["accessories"]))


def _quote_of(row: Any) -> Quote:
    offer = Offer(
        market_price_paise=row.market_price_paise,
        deductions=tuple(Deduction(d["reason"], d["amount_paise"]) for d in row.deductions),
        market_offer_paise=row.market_offer_paise,
        assured=Assured(**row.assured) if row.assured else None,
        amount_paise=row.amount_paise,
    )
    return Quote(
        id=row.id,
        account_id=row.account_id,
        partner_key=row.partner_key,
        imei=row.imei,
        model_id=row.model_id,
        condition=_condition_of(row.condition),
        offer=offer,
        accepted=row.status == "accepted",
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


def _exchange_of(row: Any) -> Exchange:
    return Exchange(
        id=row.id,
        quote_id=row.quote_id,
        account_id=row.account_id,
        imei=row.imei,
        model_id=row.model_id,
        amount_paise=row.amount_paise,
        program=row.program,
        plan_id=row.plan_id,
        status=row.status,
        accepted_by=row.accepted_by,
        partner_key=row.partner_key,
        device_present=row.device_present,
        created_at=row.created_at,
        updated_at=row.updated_at,
        discounted_paise=row.discounted_paise,
        handover_partner_key=row.handover_partner_key,
        coupon_id=row.coupon_id,
        coupon_code=row.coupon_code,
        cancel_reason=row.cancel_reason,
        superseded_by=row.superseded_by,
    )
