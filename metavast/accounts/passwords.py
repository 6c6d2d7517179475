"""Password rules beyond Django's: a local breached list, Persian digits, at most 128.

No composition rules (NIST SP 800-63B): length and not-known-to-attackers are what count.
Django's CommonPasswordValidator already refuses its 20,000 passwords from breaches; this
validator folds Persian/Arabic digits and case first (so «۱۲۳۴۵۶۷۸» is as refused as
"12345678") and adds `data/common-passwords-fa.txt`, passwords Iranian users pick that the
English-centred list misses. Everything is local: no password ever leaves the server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from metavast.core.text import to_ascii_digits, to_persian_digits

LOCAL_LIST = Path(__file__).resolve().parent / "data" / "common-passwords-fa.txt"
MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def _local_list() -> frozenset[str]:
    lines = LOCAL_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


@lru_cache(maxsize=1)
def _django_list() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def fold(password: str) -> str:
    return to_ascii_digits(password).strip().lower()


class LocalBreachedPasswordValidator:
    message = "این گذرواژه بسیار رایج است و در فهرست گذرواژه‌های لو‌رفته آمده است."

    def validate(self, password, user=None):
        folded = fold(password)
        if folded in _local_list() or folded in _django_list():
            raise ValidationError(self.message, code="password_too_common")

    def get_help_text(self):
        return "گذرواژهٔ رایج یا لو‌رفته پذیرفته نمی‌شود."


class MinimumLengthValidator:
    """Django's rule with its numbers in Persian digits (Django's own message has Latin ones)."""

    def validate(self, password, user=None):
        if len(password) < MIN_LENGTH:
            raise ValidationError(
                f"گذرواژه دست‌کم باید {to_persian_digits(MIN_LENGTH)} نویسه باشد.",
                code="password_too_short",
            )

    def get_help_text(self):
        return f"دست‌کم {to_persian_digits(MIN_LENGTH)} نویسه."


class MaximumLengthValidator:
    def validate(self, password, user=None):
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                f"گذرواژه حداکثر می‌تواند {to_persian_digits(MAX_LENGTH)} نویسه باشد.",
                code="password_too_long",
            )

    def get_help_text(self):
        return f"حداکثر {to_persian_digits(MAX_LENGTH)} نویسه."
