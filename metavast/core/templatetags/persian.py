"""Template filters for showing numbers, money and dates the Persian way (builtins)."""

from __future__ import annotations

from django import template

from metavast.core import jalali, money, text

register = template.Library()


@register.filter
def fa_digits(value) -> str:
    return text.to_persian_digits("" if value is None else value)


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
