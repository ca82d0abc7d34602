"""The one place a refusal becomes problem+json: the HTTP status of each code this service uses.

`webhook_endpoint_exists` (409) is beyond SPEC §10: the partner already registered that URL (a retried
registration), and the answer names the endpoint (`endpoint_id`); its secret is rotated, not shown again.
"""

from servicekit.problems import RefusalAnswers

STATUS = {
    "validation_error": 422,
    "not_found": 404,
    "webhook_endpoint_exists": 409,
}

answers = RefusalAnswers(STATUS)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
