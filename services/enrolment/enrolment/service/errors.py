"""Turning a domain refusal into the problem+json answer SPEC §10 names for it."""

from enrolment.domain.plan import Refused
from servicekit.problems import Problem

_STATUS = {"imei_already_enrolled": 409, "plan_not_cancellable": 409}


def problem_of(refused: Refused) -> Problem:
    errors = [{"field": refused.field, "message": refused.detail}] if refused.field else None
    return Problem(_STATUS.get(refused.code, 422), refused.code, refused.detail, errors)
