"""IMEI format and Luhn check digit."""

from hypothesis import given
from hypothesis import strategies as st

from contracts.imei import is_valid_imei, luhn_check_digit, mask_imei, tac_of

fourteen_digits = st.text(alphabet="0123456789", min_size=14, max_size=14)


def with_check_digit(body: str) -> str:
    return body + str(luhn_check_digit(body))


def test_a_known_real_world_imei_is_valid() -> None:
    assert is_valid_imei("490154203237518")


@given(fourteen_digits)
def test_every_imei_with_its_check_digit_is_valid(body: str) -> None:
    assert is_valid_imei(with_check_digit(body))


@given(fourteen_digits, st.integers(0, 14), st.integers(1, 9))
def test_changing_any_single_digit_of_a_valid_imei_makes_it_invalid(body: str, position: int, shift: int) -> None:
    imei = with_check_digit(body)
    changed = imei[:position] + str((int(imei[position]) + shift) % 10) + imei[position + 1 :]
    assert not is_valid_imei(changed)


@given(fourteen_digits)
def test_fourteen_and_sixteen_digits_are_invalid(body: str) -> None:
    imei = with_check_digit(body)
    assert not is_valid_imei(imei[:14])
    assert not is_valid_imei(imei + "0")


def test_non_digits_are_invalid() -> None:
    assert not is_valid_imei("49015420323751a")
    assert not is_valid_imei(" 490154203237518")


def test_the_tac_is_the_first_eight_digits_and_logs_see_only_the_last_four() -> None:
    assert tac_of("490154203237518") == "49015420"
    assert mask_imei("490154203237518") == "***********7518"
