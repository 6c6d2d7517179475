"""Reading quantities from forms: whole numbers only, Persian or Latin digits."""

from __future__ import annotations

from metavast.cart.errors import InvalidQuantity
from metavast.core.text import to_ascii_digits

MAX_DIGITS = 6  # anything longer is refused before int() sees it


def parse_quantity(raw, *, default: int | None = None) -> int:
    """'۳' -> 3; '', None -> default (or error); '-1', '1.5', '1e3', '٣٠٠٠٠٠٠٠' -> error."""
    if raw is None or str(raw).strip() == "":
        if default is None:
            raise InvalidQuantity()
        return default
    text = to_ascii_digits(str(raw).strip())
    if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
        raise InvalidQuantity()
    return int(text)


def parse_id(raw) -> int | None:
    text = to_ascii_digits(str(raw or "").strip())
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)
