"""Numbers typed by people: any digits in, an ``int`` or ``Decimal`` out, never dropped.

A browser's ``<input type="number">`` silently empties itself when a Persian keyboard types
«۳»: the form then posts nothing and the shopper sees their quantity or a refund amount
vanish. So no number field here renders as ``type="number"``: every Django integer, decimal
and float form field, storefront and admin alike, present and future, gets
``PersianNumberInput`` (a text input with ``inputmode="numeric"`` so phones still show the
digit pad), and its ``to_python`` first maps Persian (۰-۹) and Arabic-Indic (٠-٩) digits to
ASCII and drops thousands separators («۱۲۰٬۰۰۰», «120,000»). Anything that is still not a
number is refused with Django's Persian message, never treated as empty.

``install()`` is called once from ``CoreConfig.ready`` (the admin's own install reuses the same
widget through its formfield overrides). Raw HTML inputs (the cart's quantity box) use the
same attributes and parse with ``parse_int``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from django import forms

from metavast.core import money, text

# Thousands separators people type or paste: space, comma, Arabic thousands sign «٬», Arabic
# comma «،», ZWNJ, bidi marks, underscore.
_SEPARATORS: Final = re.compile(r"[\s,\u066c\u060c\u200c\u200e\u200f\u061c_]")
# «٫» is the Persian decimal separator; «/» is how many Persians type it on a phone keypad.
_DECIMAL_SIGN: Final = "\u066b"


def normalise_number(value: str) -> str:
    """«۱۲۰٬۰۰۰» or «١٢٠٠٠٠» or «120,000» → «120000»; «۶٫۷» → «6.7». Anything else is left for
    the field to refuse."""
    value = _SEPARATORS.sub("", text.to_ascii_digits(value))
    return value.replace(_DECIMAL_SIGN, ".").replace("\u2212", "-")


def parse_int(value: object) -> int | None:
    """An integer from a raw POST value in any digits, or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    cleaned = normalise_number(value)
    if not re.fullmatch(r"-?\d{1,18}", cleaned):
        return None
    return int(cleaned)


def parse_decimal(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        return Decimal(normalise_number(value))
    except InvalidOperation:
        return None


class PersianNumberInput(forms.TextInput):
    """A number typed with any digits and separators; an integer is shown with Persian digits
    and «٬». A text input, not type=number: browsers drop Persian digits in a number input."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "inputmode": "numeric",
                "dir": "ltr",
                "autocomplete": "off",
                "class": "vIntegerField",
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return text.to_persian_digits(f"{value:,}".replace(",", money.THOUSANDS_SEPARATOR))
        if isinstance(value, Decimal):
            return text.to_persian_digits(str(value).replace(".", _DECIMAL_SIGN))
        if isinstance(value, str) and re.fullmatch(r"-?[0-9.]+", value):
            # What was typed, shown again after an error: in the digits it was typed in.
            return text.to_persian_digits(value.replace(".", _DECIMAL_SIGN))
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return normalise_number(value) if isinstance(value, str) else value


_django_integer_to_python = forms.IntegerField.to_python
_django_decimal_to_python = forms.DecimalField.to_python
_django_float_to_python = forms.FloatField.to_python


def _integer_to_python(self, value):
    if isinstance(value, str):
        value = normalise_number(value)
    return _django_integer_to_python(self, value)


def _decimal_to_python(self, value):
    if isinstance(value, str):
        value = normalise_number(value)
    return _django_decimal_to_python(self, value)


def _float_to_python(self, value):
    if isinstance(value, str):
        value = normalise_number(value)
    return _django_float_to_python(self, value)


def install() -> None:
    """Every form number field: a Persian-digit text input and a normalising parser."""
    for field_class in (forms.IntegerField, forms.DecimalField, forms.FloatField):
        # Only where Django's own default is still in place: a field class that chose its
        # own widget (a slider, a hidden input) keeps it.
        if field_class.__dict__.get("widget", forms.NumberInput) is forms.NumberInput:
            field_class.widget = PersianNumberInput
    forms.IntegerField.to_python = _integer_to_python
    forms.DecimalField.to_python = _decimal_to_python
    forms.FloatField.to_python = _float_to_python
