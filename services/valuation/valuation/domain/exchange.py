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


# How strongly an accept claims the phone behind an IMEI, weakest first. A new accept takes the IMEI
# over from another account's open exchange (one not handed over) only with a strictly stronger
# claim; otherwise "one device at a time" answers 409 as before.
ONLINE = 0  # anyone who knows the IMEI (it is printed on boxes and invoices)
DEVICE_PRESENT = 1  # a retail partner in store, asserting the phone was on the counter
PLAN_OWNER = 2  # the account of a live Smart Upgrade plan naming the IMEI (sold in store against an invoice)

SUPERSEDED = "superseded"


def claim(owns_plan: bool, device_present: bool) -> int:
    if owns_plan:
        return PLAN_OWNER
    return DEVICE_PRESENT if device_present else ONLINE


def may_supersede(new_claim: int, held_claim: int) -> bool:
    return new_claim > held_claim


def superseded_status(status: str) -> str:
    """What a superseded open exchange becomes: `revoked` once its coupon is spent on an order, else `cancelled`."""
    if status not in OPEN:
        raise ValueError(f"only an open exchange is superseded, not a {status} one")
    return "revoked" if status == "awaiting_handover" else "cancelled"


def spent_before_superseded(status: str, cancel_reason: str | None) -> bool:
    """A CouponRedeemed reaching a superseded exchange we closed as `cancelled`: the order got the coupon first."""
    return status == "cancelled" and cancel_reason == SUPERSEDED
