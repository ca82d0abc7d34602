"""A rule said no: the one kind of error the coupon service's domain and use cases raise."""

from typing import Any


class Refused(Exception):
    """A refusal the caller can act on; `service/errors.py` turns it into problem+json.

    `code` is the stable error code (SPEC §10), `detail` what a person reads, `field` the input to
    blame (with `field_error`, when the field's own message is shorter than the detail), and
    `facts` what else the answer tells (the coupon's `expires_at`, the `redemption_id` holding it).
    `retryable` marks a refusal caused by a passing state (a race lost): it is not kept as the answer
    to an Idempotency-Key, so a retry with the key runs afresh.
    """

    def __init__(
        self, code: str, detail: str, field: str | None = None, *, field_error: str | None = None, retryable: bool = False, **facts: Any
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field
        self.field_error = field_error or detail
        self.retryable = retryable
        self.facts = facts
