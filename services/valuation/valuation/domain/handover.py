"""Judging a handover: checklist, IMEI and re-inspected condition against the accepted offer. No I/O."""

from dataclasses import dataclass
from typing import Literal

from valuation.domain.condition import Condition
from valuation.domain.pricing import Assured, make_offer
from valuation.domain.refusal import DeviceNotEligible, Refused

CHECKLIST = ("screen_lock_removed", "accounts_removed", "memory_card_removed")


@dataclass(frozen=True)
class Verdict:
    outcome: Literal["completed", "revoked"]
    reasons: list[str]
    repriced_paise: int | None


def missing_checklist_items(checklist: dict[str, bool]) -> list[str]:
    """Checklist items not done; a handover with any of these is not judged at all."""
    return [item for item in CHECKLIST if not checklist.get(item, False)]


def check_checklist(checklist: dict[str, bool]) -> None:
    """Nothing is recorded until every item is done: the partner finishes it and hands over again."""
    missing = missing_checklist_items(checklist)
    if missing:
        raise Refused("handover_checklist_incomplete", "Finish the checklist, then hand over again: " + ", ".join(missing) + ".", missing=missing)


def judge(
    quoted_imei: str,
    accepted_paise: int,
    market_price_paise: int,
    assured: Assured | None,
    handed_imei: str,
    found: Condition,
    table: dict[str, int],
    minimum_paise: int,
) -> Verdict:
    """Completed unless the IMEI differs or the phone, re-priced at the quote's market price, is worth less."""
    if handed_imei != quoted_imei:
        return Verdict("revoked", ["imei_mismatch"], None)
    try:
        offer = make_offer(market_price_paise, found, table, assured, minimum_paise)
    except DeviceNotEligible as exc:
        return Verdict("revoked", ["not_eligible", *exc.reasons], None)
    if offer.amount_paise < accepted_paise:
        return Verdict("revoked", ["condition_worse_than_quoted"], offer.amount_paise)
    return Verdict("completed", [], offer.amount_paise)
