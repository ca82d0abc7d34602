"""IMEI vocabulary every service that receives a device shares: format, Luhn check digit, TAC.

It lives with the contracts because events and three services speak of devices by IMEI.
"""

import re

_FIFTEEN_DIGITS = re.compile(r"^[0-9]{15}$")


def luhn_check_digit(first_fourteen: str) -> int:
    """The Luhn check digit for the first 14 digits of an IMEI."""
    total = 0
    for position, char in enumerate(reversed(first_fourteen)):
        digit = int(char)
        if position % 2 == 0:  # every second digit from the right, starting with the rightmost
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_imei(imei: str) -> bool:
    """True for 15 digits whose last digit is the Luhn check digit of the first 14."""
    if not _FIFTEEN_DIGITS.match(imei):
        return False
    return luhn_check_digit(imei[:14]) == int(imei[14])


def tac_of(imei: str) -> str:
    """The Type Allocation Code: the first 8 digits, which name the model."""
    return imei[:8]


def mask_imei(imei: str) -> str:
    """An IMEI safe for logs: only its last four digits."""
    return "*" * (len(imei) - 4) + imei[-4:] if len(imei) > 4 else "****"
