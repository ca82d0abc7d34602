"""Coupon codes: 80 random bits, typed as four groups of four, forgiving of how people type them."""

import re

from hypothesis import given
from hypothesis import strategies as st

from coupon.domain.code import ALPHABET, BITS, new_code, normalise
from servicekit.logging import redact

CANONICAL = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
raw_codes = st.text(alphabet=ALPHABET, min_size=16, max_size=16)


def test_a_code_carries_at_least_80_random_bits_from_an_unambiguous_alphabet() -> None:
    assert BITS >= 80 and len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_codes_are_four_groups_of_four_and_do_not_repeat() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CANONICAL.match(code) for code in codes)


def test_the_log_redaction_masks_all_but_the_last_group_of_a_code() -> None:
    code = new_code()
    assert redact(f"redeeming {code} now") == f"redeeming ****-****-****-{code[-4:]} now"


@given(raw_codes, st.sampled_from(["", "-", " "]), st.booleans())
def test_a_code_typed_in_lowercase_or_without_dashes_names_the_same_coupon(raw: str, separator: str, lower: bool) -> None:
    canonical = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    typed = separator.join(raw[i : i + 4] for i in range(0, 16, 4))
    assert normalise(typed.lower() if lower else typed) == canonical


def test_look_alike_letters_are_read_as_the_digits_they_resemble() -> None:
    assert normalise("ilo0-0000-0000-0000") == "1100-0000-0000-0000"


@given(st.text(max_size=60))
def test_anything_that_is_not_a_code_normalises_to_nothing_or_to_a_canonical_code(typed: str) -> None:
    result = normalise(typed)
    assert result is None or CANONICAL.match(result)


def test_wrong_lengths_and_foreign_characters_are_not_codes() -> None:
    for typed in ["", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRST", "ABCD-EFGH-JKMN-PQR!", "ABCD-EFGH-JKMN-PQRU", "x" * 100]:
        assert normalise(typed) is None
