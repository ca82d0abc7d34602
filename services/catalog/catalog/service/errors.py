"""The one place a refusal becomes problem+json: the HTTP status SPEC §10 gives each code."""

from fastapi import FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from catalog.domain.refusal import Refused
from servicekit.idempotency import Effect
from servicekit.problems import Problem, problem_response

STATUS = {
    "validation_error": 422,
    "not_found": 404,
    "imei_invalid": 422,
    "tac_unknown": 404,
    "tac_conflict": 409,
}


def problem_of(refused: Refused) -> Problem:
    errors = [{"field": refused.field, "message": refused.detail}] if refused.field else None
    return Problem(STATUS[refused.code], refused.code, refused.detail, errors, retryable=refused.retryable)


def answering_refusals(effect: Effect) -> Effect:
    """The use case as Idempotency.run executes it: a refusal leaves it as the Problem that is stored
    against the key (the same request gets the same refusal), or releases the key when retryable."""

    async def run(session: AsyncSession) -> tuple[int, BaseModel]:
        try:
            return await effect(session)
        except Refused as refused:
            raise problem_of(refused) from refused

    return run


def install(app: FastAPI) -> None:
    """Answer a refusal raised outside Idempotency.run (reads, plain writes) the same way."""

    async def answer(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        problem = problem_of(exc)
        return problem_response(problem.status, problem.code, problem.detail, problem.errors)

    app.add_exception_handler(Refused, answer)
