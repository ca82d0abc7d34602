"""Turning a valuation refusal into the problem+json answer: the one place that knows each code's HTTP status."""

from servicekit.problems import RefusalAnswers

STATUS = {
    "not_found": 404,
    "quote_expired": 409,
    "exchange_already_open": 409,
    "exchange_not_cancellable": 409,
    "exchange_not_awaiting_handover": 409,
    "pricing_unavailable": 503,
    # 422: the request cannot be served as sent. Listed, not left to the default, so the OpenAPI
    # document names every code (tests/contract/test_refusal_codes.py finds each one raised here).
    "validation_error": 422,
    "imei_invalid": 422,
    "tac_unknown": 422,
    "imei_model_mismatch": 422,
    "model_not_eligible": 422,
    "device_not_eligible": 422,
    "imei_blocklisted": 422,
    "handover_checklist_incomplete": 422,
}  # a refusal missing here is still 422

answers = RefusalAnswers(STATUS, default_status=422)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
