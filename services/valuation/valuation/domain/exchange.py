"""An exchange and its lifecycle: which moves are allowed from which state. No I/O."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from valuation.domain.pricing import Program
from valuation.domain.refusal import Refused

ExchangeStatus = Literal["accepted", "coupon_issued", "awaiting_handover", "cancelling", "completed", "revoked", "cancelled"]
CancelReason = Literal["customer_cancelled", "coupon_expired", "handover_failed", "superseded"]

# `cancelling` is open: the exchange keeps its account/IMEI slot (and its plan) until the coupon
# service has voided the coupon, or an order turns out to hold it.
OPEN: tuple[ExchangeStatus, ...] = ("accepted", "coupon_issued", "awaiting_handover", "cancelling")
CANCELLABLE: tuple[ExchangeStatus, ...] = ("accepted", "coupon_issued")
# Not (yet) awaiting handover, but may be soon: a CouponRedeemed not yet seen here.
MAY_AWAIT_HANDOVER: tuple[ExchangeStatus, ...] = ("accepted", "coupon_issued", "cancelling")

SUPERSEDED: CancelReason = "superseded"


@dataclass(frozen=True)
class Exchange:
    """An accepted quote on its way to the handover: what is paid, for which phone, and the plan it ends."""

    id: str
    quote_id: str
    account_id: str
    imei: str
    model_id: str
    amount_paise: int
    program: Program
    plan_id: str | None  # the account's plan for this phone at accept, floored or not: the exchange ends it
    status: ExchangeStatus
    accepted_by: str  # the principal that accepted: the account or a partner key id
    partner_key: str | None  # the retailer that quoted or accepted for the customer, if any
    device_present: bool
    created_at: datetime
    updated_at: datetime
    discounted_paise: int = 0  # what an order got from the coupon
    handover_partner_key: str | None = None
    coupon_id: str | None = None
    coupon_code: str | None = None
    cancel_reason: CancelReason | None = None
    superseded_by: str | None = None

    @property
    def is_open(self) -> bool:
        return is_open(self.status)

    @property
    def floored(self) -> bool:
        """Accepted at the plan's assured floor (the handover re-prices with it)."""
        return self.program == "smart_upgrade"


def is_open(status: str) -> bool:
    return status in OPEN


# Moves driven by the coupon's progress: event → (states it applies in, state it leads to).
COUPON_MOVES: dict[str, tuple[tuple[ExchangeStatus, ...], ExchangeStatus]] = {
    "issued": (("accepted",), "coupon_issued"),
    # From `cancelling`: an order got the coupon before the coupon service saw the cancel request.
    "redeemed": (("accepted", "coupon_issued", "cancelling"), "awaiting_handover"),
    "released": (("awaiting_handover",), "coupon_issued"),
    "expired": (("accepted", "coupon_issued", "cancelling"), "cancelled"),
    # Only a cancel request voids the coupon of an open exchange (an order can redeem and release
    # it between the request and the void, so `coupon_issued` too).
    "voided": (("accepted", "coupon_issued", "cancelling"), "cancelled"),
}


def after_coupon(status: str, happening: str) -> ExchangeStatus | None:
    """The state a coupon happening moves the exchange to, or None if it does not apply (late or repeated)."""
    sources, target = COUPON_MOVES[happening]
    return target if status in sources else None


class NotCancellable(Refused):
    """The coupon is in use, or the exchange is over."""

    def __init__(self, status: str) -> None:
        super().__init__("exchange_not_cancellable", f"An exchange that is {status} cannot be cancelled.")


def cancel_outcome(status: str) -> ExchangeStatus | None:
    """What the owner's cancel does: `cancelling` (a request to the coupon service), None if already asked; raises if too late."""
    if status == "cancelling":
        return None
    if status in CANCELLABLE:
        return "cancelling"
    raise NotCancellable(status)


def check_awaiting_handover(status: str) -> None:
    """A handover needs the coupon used on an order.

    Before that the refusal may only mean CouponRedeemed has not arrived yet: it is retryable, so a
    retry with the same Idempotency-Key runs afresh. For a closed exchange it is a standing answer.
    """
    if status != "awaiting_handover":
        raise Refused(
            "exchange_not_awaiting_handover",
            f"The exchange is {status}; a handover needs a coupon used on an order.",
            retryable=status in MAY_AWAIT_HANDOVER,
        )


def superseded_status(status: str) -> ExchangeStatus:
    """What a superseded open exchange becomes: `revoked` once its coupon is spent on an order, else `cancelled`."""
    if status not in OPEN:
        raise ValueError(f"only an open exchange is superseded, not a {status} one")
    return "revoked" if status == "awaiting_handover" else "cancelled"


def spent_before_superseded(status: str, cancel_reason: str | None) -> bool:
    """A CouponRedeemed reaching a superseded exchange we closed as `cancelled`: the order got the coupon first."""
    return status == "cancelled" and cancel_reason == SUPERSEDED
