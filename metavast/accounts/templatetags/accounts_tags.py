"""Showing stored phone numbers the way Iranians write them: +989121234567 → 0912 123 4567."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone(value: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "IR")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
