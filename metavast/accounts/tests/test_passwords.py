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
