"""Money in the back office is typed and shown in Toman; the database keeps integer Rials.

Staff read every amount in Toman (lists, read-only fields, the storefront), so an input that
asked for Rials invited a clerk to type the Toman figure and set a price ten times too low.
``TomanField`` is the one form field for an amount: its input shows the stored Rials as Toman
with Persian digits and «٬» («۳۶٬۵۸۰٬۰۰۰»), takes Persian, Arabic-Indic or Latin digits with
any thousands separator people type (٬ , ، space), and cleans to an ``int`` of Rials (×10).

A Toman is ten Rials, so one decimal place is the most an amount can have («۱۲٬۵۰۰٫۵» is
125,005 Rials) and is shown again the same way, so an odd amount survives a save unchanged;
anything finer than a Rial is refused, never rounded. The upper bound is far above any real
price but keeps a slip of the finger (an extra «۰۰۰») and the column's 19-digit limit away.

``TomanAdminMixin`` gives every money field of a model (an integer field whose label ends in
«(ریال)», the same test the admin's lists use to show Toman: ``admin_persian.is_money_field``)
this field, labelled «(تومان)», in a ModelAdmin or inline; a plain form declares ``TomanField``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from django import forms
from django.core.exceptions import ValidationError

from metavast.core import money, numbers, text
from metavast.core.admin_persian import RIAL_MARK, is_money_field

TOMAN_MARK: Final = "(تومان)"
# 100 billion Toman: no price, rate or discount of this shop comes near it.
MAX_RIALS: Final = 10**12
_DECIMAL_SIGN: Final = "\u066b"  # «٫», the Persian decimal separator
_AMOUNT: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def toman_label(label) -> str:
    """«قیمت (ریال)» → «قیمت (تومان)»; a label without a unit gets «(تومان)»."""
    label = str(label)
    if RIAL_MARK in label:
        return label.replace(RIAL_MARK, TOMAN_MARK)
    return label if TOMAN_MARK in label else f"{label} {TOMAN_MARK}"


def rials_as_toman_input(rials: int) -> str:
    """125000 → «۱۲٬۵۰۰»; 125005 → «۱۲٬۵۰۰٫۵»: exact, so that posting it back changes nothing."""
    toman, rest = divmod(abs(rials), money.RIALS_PER_TOMAN)
    shown = f"{toman:,}".replace(",", money.THOUSANDS_SEPARATOR)
    if rest:
        shown += f"{_DECIMAL_SIGN}{rest}"
    return text.to_persian_digits(f"-{shown}" if rials < 0 else shown)


class TomanInput(forms.TextInput):
    """A text input (not type=number, which drops Persian digits) showing Rials as Toman."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "inputmode": "decimal",
                "dir": "ltr",
                "autocomplete": "off",
                "class": "vBigIntegerField",
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return rials_as_toman_input(value)
        if isinstance(value, str):
            # What staff typed, redisplayed after an error: still Toman, in Persian digits.
            return text.to_persian_digits(value) if value else None
        return super().format_value(value)


class TomanField(forms.Field):
    """An amount typed in Toman; ``cleaned_data`` holds integer Rials (or None when empty).

    ``min_value``/``max_value`` are Rials, like the model field they stand for."""

    widget = TomanInput
    default_error_messages = {
        "invalid": "مبلغ را به تومان و فقط با رقم بنویسید، مثلاً ۱۲۵٬۰۰۰.",
        "fraction": (
            "مبلغ کمتر از یک ریال ممکن نیست: تومان را حداکثر با یک رقم اعشار بنویسید، "
            "مثلاً ۱۲٬۵۰۰٫۵."
        ),
        "negative": "مبلغ نمی‌تواند منفی باشد.",
        "min_value": "مبلغ نمی‌تواند کمتر از %(limit)s باشد.",
        "max_value": "مبلغ نمی‌تواند بیشتر از %(limit)s باشد.",
    }

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = MAX_RIALS, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        cleaned = numbers.normalise_number(str(value)).strip()
        if not _AMOUNT.fullmatch(cleaned):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        rials = Decimal(cleaned) * money.RIALS_PER_TOMAN
        if rials != rials.to_integral_value():
            raise ValidationError(self.error_messages["fraction"], code="fraction")
        return int(rials)

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            if self.min_value == 0:
                raise ValidationError(self.error_messages["negative"], code="min_value")
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": f"{rials_as_toman_input(self.min_value)} تومان"},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": f"{rials_as_toman_input(self.max_value)} تومان"},
            )


def toman_formfield(db_field, **kwargs) -> TomanField:
    """The Toman form field for a model's Rial field, labelled «… (تومان)»."""
    kwargs.pop("widget", None)
    # The model field would pass the column's own limits (up to 9223372036854775807).
    kwargs.setdefault("min_value", 0)
    kwargs.setdefault("max_value", MAX_RIALS)
    return db_field.formfield(
        form_class=TomanField, label=toman_label(db_field.verbose_name), **kwargs
    )


class TomanAdminMixin:
    """Put before ``admin.ModelAdmin`` / ``TabularInline``: every Rial field is typed in Toman."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if is_money_field(db_field) and not db_field.choices:
            return toman_formfield(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
