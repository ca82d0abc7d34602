"""Every refusal the catalog raises leaves as the problem+json its code is given."""

import re
from pathlib import Path

from catalog.domain.model import ModelRuleBroken
from catalog.service.errors import STATUS, problem_of
from servicekit.refusals import Refused

PACKAGE = Path(__file__).resolve().parents[2] / "catalog"


def test_every_code_the_service_refuses_with_has_a_status() -> None:
    raised = {code for path in PACKAGE.rglob("*.py") for code in re.findall(r'(?:Refused|__init__)\(\s*"([a-z_]+)"', path.read_text())}
    assert {"not_found", "tac_conflict", "validation_error"} <= raised <= STATUS.keys(), raised - STATUS.keys()


def test_a_broken_model_rule_is_a_validation_error_naming_its_field() -> None:
    problem = problem_of(ModelRuleBroken("tacs", "a TAC is listed twice"))
    assert (problem.status, problem.code, problem.errors) == (422, "validation_error", [{"field": "tacs", "message": "a TAC is listed twice"}])


def test_an_unknown_tac_is_not_found_and_a_taken_one_a_conflict() -> None:
    assert (problem_of(Refused("tac_unknown", "No model.")).status, problem_of(Refused("tac_conflict", "Taken.")).status) == (404, 409)
