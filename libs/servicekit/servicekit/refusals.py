"""A rule said no: the one kind of error a service's domain and use cases raise.

Plain Python on purpose (no framework import), so every service's `domain/` may raise it; each
service's `service/errors.py` says which HTTP status each code gets (servicekit.problems.RefusalAnswers).
"""

from typing import Any


class Refused(Exception):
    """A refusal the caller can act on.

    `code` is the stable error code (SPEC §10, or one the service adds), `detail` what a person reads,
    `field` the input to blame and `field_error` the few words shown against it (default: the detail).
    `retryable` marks a refusal caused by a passing state — a race lost, an event not yet arrived — so
    it is not kept as the answer to an Idempotency-Key and a retry with the key runs afresh. `facts` are
    what else the answer tells, as members of their own (`reasons`, `expires_at`, `redemption_id` …).
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
