"""The one place a refusal becomes problem+json: the HTTP status SPEC §10 gives each code."""

from servicekit.problems import RefusalAnswers

STATUS = {
    "validation_error": 422,
    "not_found": 404,
    "model_not_eligible": 422,
    "imei_invalid": 422,
    "imei_model_mismatch": 422,
    "invoice_date_out_of_range": 422,
    "imei_already_enrolled": 409,
    "plan_not_cancellable": 409,
}

answers = RefusalAnswers(STATUS)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
