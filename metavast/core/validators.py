"""Plain text only: refuse characters a reader cannot see, or that rearrange what they see.

Whatever people type is shown again: in staff screens, e-mails, invoices and exports. Some
characters have no business in any of those:

- control characters (C0, DEL, C1): a NUL is stored by SQLite and turns into a 500 on
  PostgreSQL, and the others are invisible or break lines where no line should break;
- bidi controls: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
  marks (U+200E, U+200F, U+061C). An override makes «‮gpj.exe» read as «exe.jpg»; an unclosed
  embedding drags the rest of an e-mail line with it. The marks cannot reorder anything by
  themselves, but they are invisible, and a Persian keyboard types a mark as easily as a
  space; refusing them keeps stored names equal to what the reader sees;
- every other format character (zero-width space U+200B, word joiner U+2060, BOM U+FEFF,
  soft hyphen, tag characters, ...), lone surrogates, private-use and unassigned code points
  (noncharacters such as U+FFFF included), and the Hangul fillers used for "blank" names.

Kept on purpose:

- ZWNJ (U+200C, نیم‌فاصله) is part of Persian spelling: «می‌خواهم»;
- ZWJ (U+200D) joins emoji sequences and is harmless in Persian text;
- in a multi-line text (a textarea, or an API field typed ``MultilineText``): LF, CR (browsers
  send CR LF) and TAB (pasted tables). A single-line field (a name, a title, a city, a
  label) refuses all three, and Unicode's own line separators U+2028/U+2029 are refused
  everywhere;
- a value that is a number once the bidi marks, embeddings and isolates around it are taken
  away (a mobile, a postal or national code, a plaque): copy-paste from a message wraps
  numbers in those, the identifier normalisers strip them on purpose, and they cannot
  reorder digits. Overrides are refused even there, since they do reverse digits.

Passwords are not checked: they are never shown, and refusing a character in a sign-in
password would only lock out the account that chose it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from metavast.core.errors import INVISIBLE_CHARACTER, LINE_BREAK

ZWNJ: Final = "\u200c"
ZWJ: Final = "\u200d"

_MULTILINE_CONTROLS: Final = frozenset("\n\r\t")
_LINE_SEPARATORS: Final = frozenset("\u2028\u2029")
# Bidi characters that neither reverse nor hide anything around digits; overrides (U+202D,
# U+202E) are not here.
_NUMBER_BIDI: Final = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u2066\u2067\u2068\u2069")
_NUMBER: Final = re.compile(r"[\d\s+\-()./\u066b\u066c\u2212]+")
# Letters that render as nothing: the usual trick for a "blank" display name.
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0")
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

INVISIBLE_MESSAGE = _(
    "این متن نویسهٔ نامرئی یا کنترلی دارد (%(codepoint)s)؛ "
    "آن را پاک کنید و متن را دوباره بنویسید یا بچسبانید."
)
LINE_BREAK_MESSAGE = _("این فیلد یک‌خطی است؛ شکستن خط و تب در آن پذیرفته نیست.")


def _is_number(value: str) -> bool:
    stripped = "".join(ch for ch in value if ch not in _NUMBER_BIDI)
    return bool(stripped) and _NUMBER.fullmatch(stripped) is not None


def unreadable_character(value: str, *, multiline: bool = False) -> tuple[str, str] | None:
    """Return ``(code, character)`` for the first character ``value`` may not hold, or None.

    ``code`` is ``LINE_BREAK`` for a line break or tab in a single-line value, otherwise
    ``INVISIBLE_CHARACTER``.
    """
    if value.isascii() and value.isprintable():
        return None  # the common case, in one C-level pass
    tolerated = _NUMBER_BIDI if _is_number(value) else frozenset()
    for ch in value:
        if ch in (ZWNJ, ZWJ) or ch in tolerated:
            continue
        if ch in _MULTILINE_CONTROLS:
            if multiline:
                continue
            return LINE_BREAK, ch
        if ch in _BLANK_LETTERS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return INVISIBLE_CHARACTER, ch
    return None


def codepoint(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def plain_text_error(value: object, *, multiline: bool = False) -> ValidationError | None:
    """The Persian ``ValidationError`` for ``value``, or None when it is plain text.

    Lists, tuples, sets and dicts (a JSON or array field's value) are checked item by item,
    dict keys as single-line text; anything else that is not a ``str`` passes.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            error = plain_text_error(key) or plain_text_error(item, multiline=multiline)
            if error is not None:
                return error
        return None
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            error = plain_text_error(item, multiline=multiline)
            if error is not None:
                return error
        return None
    if not isinstance(value, str):
        return None
    found = unreadable_character(value, multiline=multiline)
    if found is None:
        return None
    code, ch = found
    if code == LINE_BREAK:
        return ValidationError(LINE_BREAK_MESSAGE, code=code)
    return ValidationError(INVISIBLE_MESSAGE, code=code, params={"codepoint": codepoint(ch)})


@deconstructible
class PlainTextValidator:
    """Refuse control, bidi and invisible characters; see the module docstring."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        error = plain_text_error(value, multiline=self.multiline)
        if error is not None:
            raise error

    def __eq__(self, other) -> bool:
        return isinstance(other, PlainTextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash((PlainTextValidator, self.multiline))


validate_single_line = PlainTextValidator(multiline=False)
validate_multiline = PlainTextValidator(multiline=True)


def install_form_check() -> None:
    """Check every ``forms.CharField`` of every form, storefront and admin alike.

    Django itself refuses NUL in every form CharField (``ProhibitNullCharactersValidator``,
    appended in ``CharField.__init__``) so that no form can forget it; we widen that same
    guarantee to every unreadable character, so a field added next year is covered without
    anyone remembering. The check runs at validation time rather than in ``__init__``: form
    classes declared while apps load (admin modules) exist before any ``ready()``, and a
    form may swap a field's widget after construction. A ``Textarea`` means multi-line; a
    ``PasswordInput`` is not checked. Called once from ``CoreConfig.ready``.
    """
    from django import forms

    original = forms.CharField.run_validators
    if getattr(original, "plain_text_checked", False):
        return

    def run_validators(self, value):
        errors: list[ValidationError] = []
        try:
            original(self, value)
        except ValidationError as exc:
            errors.extend(exc.error_list)
        if not isinstance(self.widget, forms.PasswordInput):
            error = plain_text_error(value, multiline=isinstance(self.widget, forms.Textarea))
            if error is not None:
                # One message for a NUL, not Django's English-sounding one beside ours.
                errors = [e for e in errors if e.code != "null_characters_not_allowed"]
                errors.append(error)
        if errors:
            raise ValidationError(errors)

    run_validators.plain_text_checked = True  # type: ignore[attr-defined]
    forms.CharField.run_validators = run_validators


# --------------------------------------------------------------------------- people's names

# Besides letters (any script) and combining marks: the space, ZWNJ («نیک‌نام»), the hyphen
# («جان-پیر»), and the apostrophe in its ASCII and typographic forms («O'Neil»).
_NAME_JOINERS: Final = frozenset(" -'\u2019\u02bc" + ZWNJ)

PERSON_NAME_MESSAGE = _(
    "نام فقط می‌تواند حرف، فاصله، نیم‌فاصله، خط تیره (-) و آپاستروف (') داشته باشد؛ "
    "«%(character)s» پذیرفته نیست."
)
PERSON_NAME_NO_LETTER_MESSAGE = _("نام باید دست‌کم یک حرف داشته باشد.")


def person_name_error(value: str) -> ValidationError | None:
    """Why ``value`` is not a person's name (emoji, symbols, digits), or None.

    Names reach invoices, packing slips and the courier's label: a name there is letters.
    Empty is not judged here (the form says whether a name is required)."""
    if not value or unreadable_character(value) is not None:
        return None  # plain_text_error names an invisible character: one message, that one
    has_letter = False
    for ch in value:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            has_letter = True
        elif category.startswith("M") or category == "Zs" or ch in _NAME_JOINERS:
            continue
        else:
            shown = ch if ch.isprintable() and not ch.isspace() else codepoint(ch)
            return ValidationError(
                PERSON_NAME_MESSAGE, code="invalid_name", params={"character": shown}
            )
    if not has_letter:
        return ValidationError(PERSON_NAME_NO_LETTER_MESSAGE, code="invalid_name")
    return None


def validate_person_name(value: str) -> None:
    error = person_name_error(value)
    if error is not None:
        raise error
