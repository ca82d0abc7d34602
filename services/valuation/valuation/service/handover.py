"""The handover at delivery: a partner inspects the old phone and the exchange completes or is revoked."""

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from eventing.outbox import Outbox
from servicekit.clock import Clock
from servicekit.ids import new_id
from servicekit.principal import Principal
from valuation.db import read_models, repository
from valuation.domain.condition import Condition
from valuation.domain.exchange import CancelReason, Exchange, check_awaiting_handover
from valuation.domain.handover import Verdict, check_checklist, judge
from valuation.domain.refusal import not_found
from valuation.events.outbound import exchange_cancelled, exchange_completed
from valuation.service.quotes import Rules


@dataclass(frozen=True)
class Inspection:
    """What the partner reports at the door."""

    imei: str
    checklist: dict[str, bool]
    found: Condition
    evidence: list[str]


async def hand_over(
    session: AsyncSession, outbox: Outbox, clock: Clock, rules: Rules, partner: Principal, exchange_id: str, inspection: Inspection
) -> tuple[Exchange, Verdict]:
    """Judge the phone against the accepted exchange; keep the inspection and its evidence whatever the verdict."""
    exchange = await repository.get_exchange(session, exchange_id, lock=True)
    if exchange is None or not may_hand_over(partner, exchange.partner_key):
        raise not_found("exchange")
    check_awaiting_handover(exchange.status)
    check_checklist(inspection.checklist)
    quote = await repository.get_quote(session, exchange.quote_id)
    assert quote is not None  # an exchange is made from a stored quote
    # Re-priced on the exchange's own terms: the floor only if the exchange was accepted at it
    # (a floored quote whose plan lapsed before accept pays, and is judged on, its market offer).
    assured = quote.offer.assured if exchange.floored else None
    verdict = judge(
        exchange.imei, exchange.amount_paise, quote.offer.market_price_paise, assured, inspection.imei, inspection.found,
        rules.deductions, rules.minimum_offer_paise,
    )  # fmt: skip
    now = clock.now()
    handed_by = partner.subject or "-"
    await repository.add_inspection(
        session, new_id("ins"), exchange.id, handed_by, inspection.imei, inspection.checklist, inspection.found, inspection.evidence, verdict, now
    )
    failed: CancelReason | None = "handover_failed" if verdict.outcome == "revoked" else None
    await repository.move_exchange(session, exchange.id, verdict.outcome, now, handover_partner_key=handed_by, cancel_reason=failed)
    if failed:
        await outbox.add(session, exchange_cancelled(exchange, failed, now), now)
    else:
        if exchange.plan_id:
            # The phone has changed hands: its plan is over here at once, before enrolment's event says so.
            await read_models.close_plan(session, exchange.plan_id, "redeemed" if exchange.floored else "traded_in")
        await outbox.add(session, exchange_completed(exchange, now), now)
    return replace(exchange, status=verdict.outcome, updated_at=now, handover_partner_key=handed_by, cancel_reason=failed), verdict


def may_hand_over(partner: Principal, involved_retailer: str | None) -> bool:
    """Logistics partners are contracted for every delivery and may take any phone; a retailer only its own exchange's."""
    if partner.partner_kind == "logistics":
        return True
    return partner.partner_kind == "retailer" and partner.subject is not None and partner.subject == involved_retailer
