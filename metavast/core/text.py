"""Persian text normalisation for search keys and identifiers.

The same Persian word reaches us in many spellings: Arabic keyboards type ي and ك for ی and ک,
people write «می‌خواهم» with a zero-width non-joiner, a space or nothing at all, digits arrive
in three scripts, and copy-paste drags in diacritics, kashida and invisible bidi marks.

Two keys, both lossy, so always store what the user typed and keep the key beside it:

- ``normalize(s)`` maps every variant to one spelling and keeps word boundaries (ZWNJ becomes a
  plain space, runs of whitespace collapse to one space). Use it for display-independent
  comparisons and for identifiers.
- ``compact(s)`` is ``normalize(s)`` without any spaces. Persian writers disagree about where a
  word splits («میخواهم», «می‌خواهم», «می خواهم»), so search matches on this key.

NFKC runs first: it folds Arabic presentation forms (ﻙ, ﯼ, ﻻ, ...) to the base letters and
full-width Latin and digits to ASCII, and it never changes the base Persian letters themselves.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_ASCII_DIGITS = "0123456789"

_TO_ASCII_DIGITS = str.maketrans(_PERSIAN_DIGITS + _ARABIC_INDIC_DIGITS, _ASCII_DIGITS * 2)
_TO_PERSIAN_DIGITS = str.maketrans(_ASCII_DIGITS + _ARABIC_INDIC_DIGITS, _PERSIAN_DIGITS * 2)

_ZWNJ = "\u200c"

_CANONICAL_LETTERS = str.maketrans(
    {
        "\u064a": "ی",  # ي Arabic yeh
        "\u0649": "ی",  # ى alef maksura
        "\u0626": "ی",  # ئ yeh with hamza: «پائیز» and «پاییز» are both in use
        "\u0643": "ک",  # ك Arabic kaf
        "\u0629": "ه",  # ة teh marbuta
        "\u06c0": "ه",  # ۀ heh with yeh above; «خانهٔ» (heh + hamza mark) ends the same way
        "\u0623": "ا",  # أ
        "\u0625": "ا",  # إ
        "\u0671": "ا",  # ٱ alef wasla; آ is kept, it is a distinct letter in Persian
        "\u0624": "و",  # ؤ
        _ZWNJ: " ",
    }
)
_CANONICAL_LETTERS.update(_TO_ASCII_DIGITS)

# Arabic combining marks (harakat, shadda, sukun, hamza marks, superscript alef, Quranic
# annotations) and the tatweel. NFKC has already composed آ/أ/ؤ/ئ, so dropping the standalone
# marks cannot break those letters apart.
_ARABIC_MARKS = frozenset(
    chr(code)
    for start, end in (
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x0670, 0x0670),
        (0x0640, 0x0640),
        (0x06D6, 0x06DC),
        (0x06DF, 0x06E4),
        (0x06E7, 0x06E8),
        (0x06EA, 0x06ED),
    )
    for code in range(start, end + 1)
)

# Format characters (bidi marks and isolates, ZWJ, ZWSP, BOM, soft hyphen, ALM), controls and
# lone surrogates: invisible in a search key, and surrogates cannot even be stored as UTF-8.
_DROPPED_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})


def _is_kept(ch: str) -> bool:
    if ch.isspace():
        return True  # tabs and newlines are Cc but still separate words
    if ch in _ARABIC_MARKS:
        return False
    return unicodedata.category(ch) not in _DROPPED_CATEGORIES


def normalize(s: str) -> str:
    """Return the canonical spelling of ``s``: one form per letter, ASCII digits, no diacritics
    or invisible characters, case-folded, single spaces between words (ZWNJ counts as a space),
    trimmed. Idempotent and total: any ``str`` gives a ``str``."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_CANONICAL_LETTERS)
    s = "".join(ch for ch in s if _is_kept(ch))
    # Dropping marks and case folding can leave sequences NFKC would still change (a Latin base
    # letter followed by a combining accent that a removed Arabic mark used to separate), so
    # normalise again to keep normalize(normalize(s)) == normalize(s).
    s = unicodedata.normalize("NFKC", s.casefold())
    return " ".join(s.split())


def compact(s: str) -> str:
    """Return the search key of ``s``: ``normalize(s)`` with every space removed, so that
    «میخواهم», «می‌خواهم» and «می خواهم» all match."""
    # Removing a space can put a combining mark next to a letter it composes with.
    return unicodedata.normalize("NFKC", normalize(s).replace(" ", ""))


def to_ascii_digits(s: str) -> str:
    """Replace Persian (۰-۹) and Arabic-Indic (٠-٩) digits with ASCII digits."""
    return s.translate(_TO_ASCII_DIGITS)


def to_persian_digits(value: str | int) -> str:
    """Return ``str(value)`` with ASCII and Arabic-Indic digits replaced by Persian digits."""
    return str(value).translate(_TO_PERSIAN_DIGITS)


# A number in free text: digits of any script, with points between them («6.7», «1.2.3»).
_NUMBER_IN_TEXT = re.compile(
    r"[0-9\u06f0-\u06f9\u0660-\u0669]+(?:\.[0-9\u06f0-\u06f9\u0660-\u0669]+)*"
)


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def to_persian_number_text(value: str | int) -> str:
    """Free text for a Persian reader: numbers in Persian digits, with «٫» for a point between
    digits («ظرفیت 256» → «ظرفیت ۲۵۶», «6.7» → «۶٫۷»). A number written against a Latin
    letter is part of a Latin name and stays as typed («Galaxy A55», «Argon2id», «5G»), as
    Persian shops print model names. For titles, spec values and page text as typed; never
    for URLs, email addresses or input values."""
    text = str(value)

    def persian(match: re.Match) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _is_latin_letter(before) or _is_latin_letter(after):
            return match.group(0)
        return to_persian_digits(match.group(0).replace(".", "\u066b"))

    return _NUMBER_IN_TEXT.sub(persian, text)


def letters_and_digits(s: str) -> int:
    """How many Persian (Arabic-script) or Latin letters and digits ``s`` has, after
    ``normalize`` has dropped what a reader cannot see (format characters, tatweel,
    diacritics) and folded presentation forms and full-width letters. Punctuation, spaces,
    ZWNJ, symbols and letters of other scripts (the Hangul filler that renders as nothing)
    do not count: «. . . . .», ten tatweels or twelve ZWNJs have none."""
    count = 0
    for ch in normalize(s):
        if ch.isascii():
            count += ch.isalnum()
        elif unicodedata.category(ch).startswith("L"):
            count += unicodedata.name(ch, "").startswith(("ARABIC ", "LATIN "))
    return count


@deconstructible
class MinLettersValidator:
    """Refuse a text with fewer than ``minimum`` letters or digits (``letters_and_digits``):
    for the reasons staff type before seeing or holding personal data, which the audit
    keeps and someone must later be able to read."""

    message = _(
        "این متن باید دست‌کم %(minimum)s حرف یا رقم داشته باشد؛ فاصله، نشانه‌ها، کشیده و "
        "نویسه‌های نامرئی شمرده نمی‌شوند (اکنون %(count)s)."
    )
    code = "too_few_letters"

    def __init__(self, minimum: int = 10):
        self.minimum = minimum

    def __call__(self, value) -> None:
        count = letters_and_digits(str(value or ""))
        if count < self.minimum:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "minimum": to_persian_digits(self.minimum),
                    "count": to_persian_digits(count),
                },
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, MinLettersValidator) and other.minimum == self.minimum

    def __hash__(self) -> int:
        return hash((MinLettersValidator, self.minimum))
