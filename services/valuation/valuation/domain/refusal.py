"""What valuation turns down, in words a client can act on. No I/O; service/errors.py makes it problem+json."""

from servicekit.refusals import Refused


class DeviceNotEligible(Refused):
    """The phone cannot be taken: `reasons` lists every cause at once."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("device_not_eligible", "This phone cannot be taken in: " + ", ".join(reasons) + ".", reasons=reasons)
        self.reasons = reasons


def not_found(what: str) -> Refused:
    """The same answer whether the thing is missing or the caller may not see it."""
    return Refused("not_found", f"No such {what}.")
