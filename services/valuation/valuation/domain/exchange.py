"""The exchange lifecycle: which moves are allowed from which state. No I/O."""

OPEN = ("accepted", "coupon_issued", "awaiting_handover")
CLOSED = ("completed", "revoked", "cancelled")
CANCELLABLE = ("accepted", "coupon_issued")

# Moves driven by the coupon's progress: event → (states it applies in, state it leads to).
COUPON_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "issued": (("accepted",), "coupon_issued"),
    "redeemed": (("accepted", "coupon_issued"), "awaiting_handover"),
    "released": (("awaiting_handover",), "coupon_issued"),
    "expired": (("accepted", "coupon_issued"), "cancelled"),
}


def is_open(status: str) -> bool:
    return status in OPEN


def after_coupon(status: str, happening: str) -> str | None:
    """The state a coupon happening moves the exchange to, or None if it does not apply (late or repeated)."""
    sources, target = COUPON_MOVES[happening]
    return target if status in sources else None
