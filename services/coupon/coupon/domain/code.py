"""Coupon codes: 80 random bits as 16 Crockford base32 characters, typed as XXXX-XXXX-XXXX-XXXX.

Crockford's alphabet leaves out I, L, O and U, so nothing a person reads off a screen is ambiguous;
when typed back, lowercase, missing dashes and the look-alikes I/L (→ 1) and O (→ 0) are accepted.
Every form accepted here is also what the platform's log redaction (servicekit.logging) masks.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 * 5 bits = 80 bits
BITS = LENGTH * 5
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_TYPED = re.compile(r"[\s-]")


def new_code() -> str:
    """A fresh code from the OS's secure random source."""
    return grouped("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str | None:
    """The canonical form of a code as a person typed it, or None if it cannot be a code."""
    if len(typed) > 40:
        return None
    raw = _TYPED.sub("", typed).upper().translate(_LOOK_ALIKES)
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return grouped(raw)
