"""Money is an integer number of Rials; Toman exists only on screen.

The Rial is Iran's legal unit, and payment gateways and tax invoices count in Rials, so every
stored amount is an ``int`` of Rials and every sum is exact. Shoppers think in Toman (10 Rials),
so prices are *shown* in Toman: whole Toman, rounded half away from zero (125,005 Rials shows as
12,501 Toman). Prices are set in whole Toman in practice, so the rounding is a display concern
only; an invoice, where every Rial counts, uses ``format_rial``.

Amounts are written with Persian digits and the Arabic thousands separator U+066C (٬). A
negative amount takes CLDR's Persian minus sign, a left-to-right mark before U+2212 (−): without
the mark the bidi algorithm would put the sign on the right of the number in a right-to-left line.

``amount_in_words`` is written here rather than taken from ``persiantools`` (``digits.to_word``):
it is forty lines, and a dependency is not worth it for one function.
"""

from typing import Final

from metavast.core.text import to_persian_digits

RIALS_PER_TOMAN: Final = 10
MINUS_SIGN: Final = "\u200e\u2212"
THOUSANDS_SEPARATOR: Final = "\u066c"

# No real amount comes near 10^18 Rials; a bigger one is a bug, and the cap keeps _spell shallow.
_MAX_SPELLED: Final = 10**18

_ONES = ("", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه")
_TEENS = ("ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده")
_TENS = ("", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود")
_HUNDREDS = ("", "صد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد")
_SCALES = ((10**12, "تریلیون"), (10**9, "میلیارد"), (10**6, "میلیون"), (10**3, "هزار"))


def _require_int(value: object, name: str) -> int:
    # bool is an int subclass, and a float has no business near money.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _format_amount(amount: int, unit: str | None) -> str:
    digits = to_persian_digits(f"{abs(amount):,}".replace(",", THOUSANDS_SEPARATOR))
    text = MINUS_SIGN + digits if amount < 0 else digits
    return f"{text} {unit}" if unit else text


def rials_to_whole_toman(rials: int) -> int:
    """Return ``rials`` in whole Toman, rounded half away from zero."""
    rials = _require_int(rials, "rials")
    toman = (abs(rials) + RIALS_PER_TOMAN // 2) // RIALS_PER_TOMAN
    return -toman if rials < 0 else toman


def toman_to_rials(toman: int) -> int:
    """Return the number of Rials in ``toman`` Toman."""
    return _require_int(toman, "toman") * RIALS_PER_TOMAN


def format_toman(rials: int, *, with_unit: bool = True) -> str:
    """Show an amount of Rials in whole Toman: 125000 → «۱۲٬۵۰۰ تومان»."""
    return _format_amount(rials_to_whole_toman(rials), "تومان" if with_unit else None)


def format_rial(rials: int, *, with_unit: bool = True) -> str:
    """Show an amount of Rials as it is: 125000 → «۱۲۵٬۰۰۰ ریال»."""
    return _format_amount(_require_int(rials, "rials"), "ریال" if with_unit else None)


def _below_thousand(n: int) -> list[str]:
    parts = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        parts.append(_HUNDREDS[hundreds])
    if 10 <= rest < 20:
        parts.append(_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            parts.append(_TENS[tens])
        if ones:
            parts.append(_ONES[ones])
    return parts


def _spell(n: int) -> str:
    for unit, name in _SCALES:
        if n >= unit:
            high, low = divmod(n, unit)
            # Persian says «هزار», not «یک هزار», but «یک میلیون». Past 999 trillion the high part
            # is spelled on its own: 10^15 is «هزار تریلیون».
            head = name if high == 1 and unit == 1000 else f"{_spell(high)} {name}"
            return f"{head} و {_spell(low)}" if low else head
    return " و ".join(_below_thousand(n))


def amount_in_words(n: int) -> str:
    """Spell an integer in Persian: 1250000 → «یک میلیون و دویست و پنجاه هزار»."""
    n = _require_int(n, "n")
    if abs(n) >= _MAX_SPELLED:
        raise ValueError(f"cannot spell numbers of {_MAX_SPELLED:,} or more")
    if n == 0:
        return "صفر"
    return f"منفی {_spell(-n)}" if n < 0 else _spell(n)
