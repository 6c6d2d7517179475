"""Template filters for showing numbers, money and dates the Persian way (builtins)."""

from __future__ import annotations

from django import template

from metavast.core import jalali, money, text

register = template.Library()


@register.filter
def fa_digits(value) -> str:
    """Persian digits, and «٫» for a decimal point between digits: for any shopper-facing
    text that may hold numbers (product titles and spec values as typed, order numbers).
    Never use it on a URL, an email address or a value an input posts back."""
    return "" if value is None else text.to_persian_number_text(value)


@register.filter
def toman(rials) -> str:
    return money.format_toman(int(rials)) if rials is not None else ""


@register.filter
def rial(rials) -> str:
    return money.format_rial(int(rials)) if rials is not None else ""


@register.filter
def jdate(value) -> str:
    return jalali.format_jalali_date(value) if value else ""


@register.filter
def jdatetime(value) -> str:
    return jalali.format_jalali_datetime(value) if value else ""


@register.filter
def rial_number(rials) -> str:
    """Rials with Persian digits and separators, no unit (table cells under a unit header)."""
    return money.format_rial(int(rials), with_unit=False) if rials is not None else ""


@register.filter
def phone(value) -> str:
    """A stored E.164 number in national format with Persian digits, «۰۹۱۲ ۳۴۵ ۶۷۸۹» (show it
    inside a dir="ltr" element)."""
    from metavast.core.identifiers import display_phone

    return text.to_persian_digits(display_phone(str(value))) if value else ""
