"""The handover at delivery: a partner inspects the old phone and the exchange completes or is revoked."""

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from servicekit.problems import Problem
from valuation.db import repository
from valuation.db.tables import inspections
from valuation.domain.condition import Condition
from valuation.domain.exchange import MAY_AWAIT_HANDOVER
from valuation.domain.handover import judge, missing_checklist_items
from valuation.domain.pricing import Assured
from valuation.events.outbound import exchange_cancelled, exchange_completed
from valuation.service.quotes import Rules, condition_json


async def hand_over(
    session: AsyncSession,
    outbox: Outbox,
    clock: Clock,
    rules: Rules,
    partner: Principal,
    exchange_id: str,
    imei: str,
    checklist: dict[str, bool],
    found: Condition,
    evidence: list[str],
):  # type: ignore[no-untyped-def]
    """Judge the phone against the accepted quote; keep the inspection and its evidence whatever the verdict."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or not may_hand_over(partner, exchange.partner_key):
        raise Problem(404, "not_found", "No such exchange.")
    if exchange.status != "awaiting_handover":
        # Before the coupon is used the refusal may be only this service not having seen CouponRedeemed
        # yet: it is not stored against an Idempotency-Key, so a retry with the same key runs afresh.
        raise Problem(
            409,
            "exchange_not_awaiting_handover",
            f"The exchange is {exchange.status}; a handover needs a coupon used on an order.",
            retryable=exchange.status in MAY_AWAIT_HANDOVER,
        )
    missing = missing_checklist_items(checklist)
    if missing:
        raise Problem(422, "handover_checklist_incomplete", "Finish the checklist, then hand over again: " + ", ".join(missing) + ".", missing=missing)
    quote = await repository.get_quote(session, exchange.quote_id)
    assured = Assured(**quote.assured) if quote.assured else None
    verdict = judge(
        exchange.imei, exchange.amount_paise, quote.market_price_paise, assured, imei, found, rules.deductions, rules.minimum_offer_paise
    )
    now = clock.now()
    await session.execute(
        insert(inspections).values(
            id=new_id("ins"),
            exchange_id=exchange.id,
            partner_key=partner.subject,
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
    reason = {"cancel_reason": "handover_failed"} if verdict.outcome == "revoked" else {}
    await repository.move_exchange(session, exchange.id, verdict.outcome, now, handover_partner_key=partner.subject, **reason)
    if verdict.outcome == "completed":
        await outbox.add(session, exchange_completed(exchange, now), now)
    else:
        await outbox.add(session, exchange_cancelled(exchange, "handover_failed", now), now)
    return await repository.get_exchange(session, exchange.id), verdict


def may_hand_over(partner: Principal, involved_retailer: str | None) -> bool:
    """Logistics partners are contracted for every delivery and may take any phone; a retailer only its own exchange's."""
    if partner.partner_kind == "logistics":
        return True
    return partner.partner_kind == "retailer" and partner.subject is not None and partner.subject == involved_retailer
