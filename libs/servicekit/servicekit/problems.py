"""RFC 9457 problem+json errors with the platform's stable machine-readable codes."""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from servicekit.money import PAISE_REQUIRED
from servicekit.refusals import Refused

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Gateway timeout",
}
_DEFAULT_CODES = {401: "unauthorized", 404: "not_found", 413: "payload_too_large", 429: "rate_limited", 422: "validation_error"}


class Problem(Exception):
    """An error a client can act on: HTTP status, stable `code`, human `detail`, optional extras.

    `retryable=True` marks a refusal caused by a passing state (a race, an event not yet arrived):
    it is not stored against an Idempotency-Key, so a retry with the same key is tried afresh.
    """

    def __init__(
        self, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None, *, retryable: bool = False, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.retryable = retryable
        self.extra = extra


def problem_body(status: int, code: str, detail: str, errors: list | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:smartupgrade:problem:{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(status: int, code: str, detail: str, errors: list | None = None, headers: dict | None = None, **extra: Any) -> Response:
    return Response(orjson.dumps(problem_body(status, code, detail, errors, **extra)), status, headers=headers, media_type=PROBLEM_JSON)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(part) for part in err["loc"] if part != "body") or "body", "message": _message(err), "type": err["type"]}
        for err in exc.errors()
    ]


def _message(err: Any) -> str:
    """pydantic's words, but a money field that is not an integer says so in ours (servicekit.money)."""
    if err["type"] == "int_type" and any(str(part).endswith("_paise") for part in err["loc"]):
        return PAISE_REQUIRED
    return str(err["msg"])


def install_problem_handlers(app: FastAPI) -> None:
    """Every error leaves as problem+json, validation errors with one entry per field."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> Response:
        return problem_response(exc.status, exc.code, exc.detail, exc.errors, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        return problem_response(422, "validation_error", "The request is not valid; see errors.", _field_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        code = _DEFAULT_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        return problem_response(exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        return problem_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


class RefusalAnswers:
    """How one service answers its refusals: the HTTP status of each code, in one table."""

    def __init__(self, status: dict[str, int], default_status: int | None = None) -> None:
        self.status = status
        self.default_status = default_status

    def problem_of(self, refused: Refused) -> Problem:
        status = self.status.get(refused.code, self.default_status) if self.default_status else self.status[refused.code]
        errors = [{"field": refused.field, "message": refused.field_error}] if refused.field else None
        return Problem(status, refused.code, refused.detail, errors, retryable=refused.retryable, **refused.facts)

    def answering(self, effect: Callable[[AsyncSession], Awaitable[tuple[int, BaseModel]]]) -> Callable[[AsyncSession], Awaitable[tuple[int, BaseModel]]]:
        """The use case as Idempotency.run executes it: a refusal leaves it as the Problem stored against
        the key (the same request gets the same refusal), or, when retryable, rolls back with the claim (a retry runs afresh)."""

        async def run(session: AsyncSession) -> tuple[int, BaseModel]:
            try:
                return await effect(session)
            except Refused as refused:
                raise self.problem_of(refused) from refused

        return run

    def install(self, app: FastAPI) -> None:
        """Answer a refusal raised outside Idempotency.run (reads, plain writes) the same way."""

        async def answer(_: Request, exc: Exception) -> Response:
            assert isinstance(exc, Refused)
            problem = self.problem_of(exc)
            return problem_response(problem.status, problem.code, problem.detail, problem.errors, **problem.extra)

        app.add_exception_handler(Refused, answer)
        app.state.refusal_status = self.status  # the codes the OpenAPI document lists (servicekit.openapi)
