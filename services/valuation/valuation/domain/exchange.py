"""The exchange lifecycle: which moves are allowed from which state. No I/O."""

# `cancelling` is open: the exchange keeps its account/IMEI slot (and its plan) until the coupon
# service has voided the coupon, or an order turns out to hold it.
OPEN = ("accepted", "coupon_issued", "awaiting_handover", "cancelling")
CLOSED = ("completed", "revoked", "cancelled")
CANCELLABLE = ("accepted", "coupon_issued")
# Not (yet) awaiting handover, but may be soon: a CouponRedeemed not yet seen here.
MAY_AWAIT_HANDOVER = ("accepted", "coupon_issued", "cancelling")

# Moves driven by the coupon's progress: event → (states it applies in, state it leads to).
COUPON_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "issued": (("accepted",), "coupon_issued"),
    # From `cancelling`: an order got the coupon before the coupon service saw the cancel request.
    "redeemed": (("accepted", "coupon_issued", "cancelling"), "awaiting_handover"),
    "released": (("awaiting_handover",), "coupon_issued"),
    "expired": (("accepted", "coupon_issued", "cancelling"), "cancelled"),
    # Only a cancel request voids the coupon of an open exchange (an order can redeem and release
    # it between the request and the void, so `coupon_issued` too).
    "voided": (("accepted", "coupon_issued", "cancelling"), "cancelled"),
}


def is_open(status: str) -> bool:
    return status in OPEN


def after_coupon(status: str, happening: str) -> str | None:
    """The state a coupon happening moves the exchange to, or None if it does not apply (late or repeated)."""
    sources, target = COUPON_MOVES[happening]
    return target if status in sources else None


def cancel_outcome(status: str) -> str | None:
    """What the owner's cancel does: `cancelling` (a request to the coupon service), None if already asked; raises if too late."""
    if status == "cancelling":
        return None
    if status in CANCELLABLE:
        return "cancelling"
    raise NotCancellable(status)


class NotCancellable(Exception):
    """The coupon is in use, or the exchange is over."""
