import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from metavast.accounts.models import User


@pytest.mark.parametrize(
    "password",
    [
        "1234567",
        "12345678",
        "۱۲۳۴۵۶۷۸",
        "password",
        "PASSWORD1",
        "iloveyou",
        "ali12345",
        "Mohammad1370",
        "qwertyuiop",
        "x" * 129,
    ],
)
def test_short_long_common_and_breached_passwords_are_refused(password):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, User(first_name="سارا"))
    assert any(("رمز" in m or "گذرواژه" in m) for m in exc.value.messages), exc.value.messages


@pytest.mark.parametrize(
    "password", ["tulip-harbour-9318", "گل‌های-بهاری-۱۴۰۳", "a" * 3 + "b7 zebra crossing"]
)
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    validate_password(password, User())


def test_128_characters_are_allowed():
    validate_password("correct horse battery staple " * 4 + "xyzxyzxyzxyz", User())


def test_each_refusal_is_said_once_in_persian_digits():
    """QA: «12345678» got "too common" twice (Django's list and ours), and Django's length
    messages had Latin digits («حداقل 8»)."""
    from django.contrib.auth.password_validation import (
        password_validators_help_texts,
        validate_password,
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as common:
        validate_password("12345678")
    assert len(common.value.messages) == 1, common.value.messages
    with pytest.raises(ValidationError) as short:
        validate_password("kq7#")
    assert any("۸" in message for message in short.value.messages), short.value.messages
    texts = " ".join([*short.value.messages, *password_validators_help_texts()])
    assert not any(ch.isascii() and ch.isdigit() for ch in texts), texts
