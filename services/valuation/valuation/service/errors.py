"""Turning a valuation refusal into the problem+json answer: the one place that knows each code's HTTP status."""

from fastapi import FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from servicekit.idempotency import Effect
from servicekit.problems import Problem, problem_response
from valuation.domain.refusal import Refused

_STATUS = {
    "not_found": 404,
    "quote_expired": 409,
    "exchange_already_open": 409,
    "exchange_not_cancellable": 409,
    "exchange_not_awaiting_handover": 409,
    "pricing_unavailable": 503,
}  # every other refusal is 422: the request cannot be served as sent


def problem_of(refused: Refused) -> Problem:
    errors = [{"field": refused.field, "message": refused.field_error or refused.detail}] if refused.field else None
    return Problem(_STATUS.get(refused.code, 422), refused.code, refused.detail, errors, retryable=refused.retryable, **refused.facts)


def answering_refusals(effect: Effect) -> Effect:
    """The effect Idempotency.run executes, its refusals as Problems: a refusal is stored as the answer (unless retryable)."""

    async def run(session: AsyncSession) -> tuple[int, BaseModel]:
        try:
            return await effect(session)
        except Refused as refused:
            raise problem_of(refused) from refused

    return run


def install(app: FastAPI) -> None:
    """Every other refusal (a read, a use case without Idempotency-Key) leaves the app as problem+json too."""

    async def answer(_: Request, exc: Exception) -> Response:
        problem = problem_of(exc) if isinstance(exc, Refused) else Problem(500, "internal_error", "Something went wrong on our side.")
        return problem_response(problem.status, problem.code, problem.detail, problem.errors, **problem.extra)

    app.add_exception_handler(Refused, answer)
