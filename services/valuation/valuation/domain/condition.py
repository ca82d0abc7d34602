"""The condition questionnaire, the programme's eligibility rule and the itemised deductions. No I/O."""

from dataclasses import dataclass, field
from typing import Literal

Screen = Literal["flawless", "minor_scratches", "heavy_scratches", "cracked", "dead_pixels"]
Body = Literal["flawless", "minor_scratches", "dents", "cracked", "bent"]
FunctionalIssue = Literal["camera", "battery", "speaker", "microphone", "buttons", "touch", "wifi", "charging_port", "fingerprint", "face_unlock"]
Accessory = Literal["charger", "box", "invoice"]

ALL_ACCESSORIES: tuple[Accessory, ...] = ("charger", "box", "invoice")


@dataclass(frozen=True)
class Condition:
    """What the customer (or, at handover, the inspector) says about the old phone."""

    powers_on: bool
    screen: Screen
    body: Body
    functional_issues: frozenset[FunctionalIssue] = field(default_factory=frozenset)
    accessories: frozenset[Accessory] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Deduction:
    reason: str
    amount_paise: int


def ineligibility_reasons(condition: Condition) -> list[str]:
    """Every reason the phone is not "in working condition with no physical damage" (empty if it is)."""
    reasons = []
    if not condition.powers_on:
        reasons.append("does_not_power_on")
    if condition.screen in ("cracked", "dead_pixels"):
        reasons.append(f"screen_{condition.screen}")
    if condition.body in ("cracked", "bent"):
        reasons.append(f"body_{condition.body}")
    if "touch" in condition.functional_issues:
        reasons.append("touch_not_working")
    return reasons


def findings(condition: Condition) -> list[str]:
    """The condition findings that may cost money, in a stable order the customer reads top-down."""
    found = []
    if condition.screen != "flawless":
        found.append(f"screen_{condition.screen}")
    if condition.body != "flawless":
        found.append(f"body_{condition.body}")
    found += [f"issue_{issue}" for issue in sorted(condition.functional_issues)]
    found += [f"missing_{item}" for item in ALL_ACCESSORIES if item not in condition.accessories]
    return found


def deductions(market_price_paise: int, condition: Condition, table: dict[str, int]) -> list[Deduction]:
    """One line per finding the table prices: floor(market price * percent / 100)."""
    lines = []
    for reason in findings(condition):
        percent = table.get(reason, 0)
        if percent > 0:
            lines.append(Deduction(reason, market_price_paise * percent // 100))
    return lines
