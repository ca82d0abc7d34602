"""Every form of a code the coupon service accepts (coupon.domain.code.normalise) is masked in its logs."""

import re
from urllib.parse import quote, unquote

from hypothesis import assume, given
from hypothesis import strategies as st

from coupon.domain.code import ALPHABET, grouped, normalise
from servicekit.logging import redact

SEPARATORS = st.sampled_from(["", "", "-", " ", "--", "\t", " - ", "\u00a0", "\u2003", "\u3000", "\n"])  # what normalise strips
LOOK_ALIKES = {"1": "1IiLl", "0": "0Oo"}


@st.composite
def accepted_forms(draw: st.DrawFn) -> tuple[str, str]:
    """A canonical code and one way a person may type it that the service accepts."""
    raw = draw(st.text(alphabet=ALPHABET, min_size=16, max_size=16))
    typed = draw(SEPARATORS)
    for char in raw:
        typed += draw(st.sampled_from(LOOK_ALIKES.get(char, char + char.lower()))) + draw(SEPARATORS)
    return grouped(raw), typed


def leaks(code: str, line: str) -> bool:
    """Whether the line still spells the code, however it is written."""
    text = re.sub(r"[\s\-+/]", "", unquote(unquote(line))).upper().translate(str.maketrans("ILO", "110"))
    return code.replace("-", "") in text


@given(accepted_forms(), st.sampled_from(["", "/events", "/redemptions", "/redemptions/rdm_1/release", "?account_id=acc_1"]))
def test_every_accepted_form_in_a_request_path_is_masked_in_the_access_log(form: tuple[str, str], rest: str) -> None:
    code, typed = form
    assume(len(typed) <= 40)  # longer is never read as a code
    assert normalise(typed) == code
    line = redact(f'127.0.0.1:50412 - "POST {quote(f"/api/v1/coupons/{typed}{rest}")} HTTP/1.1" 201')
    assert not leaks(code, line)
    assert f"/api/v1/coupons/****-****-****-{code[-4:]}" in line


@given(accepted_forms())
def test_every_accepted_form_in_a_coupon_path_is_masked_when_logged_unquoted(form: tuple[str, str]) -> None:
    code, typed = form
    line = redact(f"GET /api/v1/coupons/{typed}/events failed")
    assert not leaks(code, line)
