"""The one place a refusal becomes problem+json: the HTTP status SPEC §10 gives each code.

The three state refusals are 409 (the request is well formed; the coupon's state conflicts with it).
"""

from servicekit.problems import RefusalAnswers

STATUS = {
    "validation_error": 422,
    "not_found": 404,
    "coupon_already_redeemed": 409,
    "coupon_expired": 409,
    "coupon_not_active": 409,
    "no_eligible_item": 422,
}

answers = RefusalAnswers(STATUS)
problem_of = answers.problem_of
answering_refusals = answers.answering
install = answers.install
