"""A rule said no: the one kind of error the catalog's domain and use cases raise."""


class Refused(Exception):
    """A refusal the caller can act on; `service/errors.py` turns it into problem+json.

    `code` is the stable error code (SPEC §10, docs/platform.md), `detail` what a person reads,
    `field` the input to blame. `retryable` marks a refusal caused by a passing state (a race lost):
    it is not kept as the answer to an Idempotency-Key, so a retry with the key runs afresh.
    """

    def __init__(self, code: str, detail: str, field: str | None = None, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field
        self.retryable = retryable
