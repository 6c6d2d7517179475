"""The Moadian unique tax ID (شمارهٔ منحصربه‌فرد مالیاتی), 22 characters.

    [fiscal memory id: 6][days since 1970-01-01 UTC, hex: 5][internal serial, hex: 10][check: 1]

The check digit is Verhoeff's, computed over a decimal "control" string: the memory id
with each letter replaced by its ASCII code (digits kept), the day count in decimal padded
to 6 digits and the serial in decimal padded to 12. This follows the tax administration's
reference SDK; the whole ID is upper case.
"""

from __future__ import annotations

import datetime as dt

# Verhoeff's tables: multiplication in the dihedral group D5, the position permutation
# and the inverse.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

MAX_SERIAL = 16**10 - 1
EPOCH = dt.date(1970, 1, 1)


def _checksum(digits: str, *, appended: bool) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + (0 if appended else 1)) % 8][int(ch)]]
    return c


def verhoeff_digit(digits: str) -> int:
    """The check digit to append to a string of decimal digits."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("Verhoeff works on decimal digits only")
    return _INV[_checksum(digits, appended=False)]


def verhoeff_valid(digits_with_check: str) -> bool:
    if not digits_with_check.isdigit() or not digits_with_check.isascii():
        return False
    return _checksum(digits_with_check, appended=True) == 0


def _memory_id_decimal(memory_id: str) -> str:
    return "".join(ch if ch.isdigit() else str(ord(ch)) for ch in memory_id)


def tax_id(*, memory_id: str, issued_on: dt.date, serial: int) -> str:
    memory_id = memory_id.strip().upper()
    if len(memory_id) != 6 or not memory_id.isascii() or not memory_id.isalnum():
        raise ValueError("the fiscal memory id has 6 letters or digits")
    if not 0 < serial <= MAX_SERIAL:
        raise ValueError("the serial must fit in 10 hex digits")
    days = (issued_on - EPOCH).days
    if not 0 <= days < 16**5:
        raise ValueError("date out of range")
    base = f"{memory_id}{days:05X}{serial:010X}"
    control = f"{_memory_id_decimal(memory_id)}{days:06d}{serial:012d}"
    return f"{base}{verhoeff_digit(control)}"


def tax_id_valid(value: str, *, memory_id: str | None = None) -> bool:
    """Re-derive the check digit from the ID's own parts."""
    value = value.strip().upper()
    if len(value) != 22 or not value.isascii() or not value.isalnum():
        return False
    if memory_id is not None and value[:6] != memory_id.upper():
        return False
    try:
        days = int(value[6:11], 16)
        serial = int(value[11:21], 16)
    except ValueError:
        return False
    control = f"{_memory_id_decimal(value[:6])}{days:06d}{serial:012d}"
    return value[21] == str(verhoeff_digit(control))
