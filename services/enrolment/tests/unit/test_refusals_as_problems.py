"""Every refusal enrolment raises leaves as the problem+json SPEC §10 gives its code."""

import re
from pathlib import Path

import pytest

from enrolment.service.errors import STATUS, problem_of
from servicekit.refusals import Refused

PACKAGE = Path(__file__).resolve().parents[2] / "enrolment"


def test_every_code_the_service_refuses_with_has_a_status() -> None:
    raised = {code for path in PACKAGE.rglob("*.py") for code in re.findall(r'Refused\(\s*"([a-z_]+)"', path.read_text())}
    assert raised and raised <= STATUS.keys(), raised - STATUS.keys()


@pytest.mark.parametrize(("code", "status"), [("imei_already_enrolled", 409), ("plan_not_cancellable", 409), ("not_found", 404), ("imei_invalid", 422)])
def test_a_refusal_keeps_its_code_and_detail_under_the_status_of_its_code(code: str, status: int) -> None:
    problem = problem_of(Refused(code, "Why not."))
    assert (problem.status, problem.code, problem.detail, problem.errors, problem.retryable) == (status, code, "Why not.", None, False)


def test_the_field_to_blame_is_listed_and_a_passing_state_stays_retryable() -> None:
    problem = problem_of(Refused("imei_invalid", "Bad IMEI.", "imei2", retryable=True))
    assert (problem.errors, problem.retryable) == ([{"field": "imei2", "message": "Bad IMEI."}], True)
