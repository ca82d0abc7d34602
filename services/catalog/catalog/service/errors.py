"""The one place a refusal becomes problem+json: the HTTP status SPEC §10 gives each code."""

from servicekit.problems import RefusalAnswers

STATUS = {
    "validation_error": 422,
    "not_found": 404,
    "imei_invalid": 422,
    "tac_unknown": 404,
    "tac_conflict": 409,
}

answers = RefusalAnswers(STATUS)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
