"""What valuation turns down, in words a client can act on. No I/O; service/errors.py makes it problem+json."""


class Refused(Exception):
    """A request the rules turn down.

    `code` is the stable error code (SPEC §10, or one this service adds); `detail` says why; `field`
    names the input to blame, and `field_error` is the few words shown against it (default: the
    detail). `retryable` marks a refusal caused by a passing state — a race lost, an event not yet
    arrived — so a retry with the same Idempotency-Key runs afresh instead of getting this answer
    back. `facts` are lists the client acts on, answered as members of their own (`reasons`, `missing`).
    """

    def __init__(
        self, code: str, detail: str, field: str | None = None, *, field_error: str | None = None, retryable: bool = False, **facts: list[str]
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field
        self.field_error = field_error
        self.retryable = retryable
        self.facts = facts


class DeviceNotEligible(Refused):
    """The phone cannot be taken: `reasons` lists every cause at once."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("device_not_eligible", "This phone cannot be taken in: " + ", ".join(reasons) + ".", reasons=reasons)
        self.reasons = reasons


def not_found(what: str) -> Refused:
    """The same answer whether the thing is missing or the caller may not see it."""
    return Refused("not_found", f"No such {what}.")
