"""Turning a valuation refusal into the problem+json answer: the one place that knows each code's HTTP status."""

from servicekit.problems import RefusalAnswers

STATUS = {
    "not_found": 404,
    "quote_expired": 409,
    "exchange_already_open": 409,
    "exchange_not_cancellable": 409,
    "exchange_not_awaiting_handover": 409,
    "pricing_unavailable": 503,
}  # every other refusal is 422: the request cannot be served as sent

answers = RefusalAnswers(STATUS, default_status=422)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
