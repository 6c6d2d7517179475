import os
import shutil
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from metavast.accounts.models import User
from metavast.core import crypto
from metavast.core.fields import blind_lookup

MOBILE = "+989121234567"


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM accounts_user WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_value_is_ciphertext_in_the_database_and_plaintext_in_python():
    user = User.objects.create_user(email="a@example.com", mobile=MOBILE)
    raw = _raw("mobile", user.pk)
    assert MOBILE not in raw and "9121234567" not in raw
    assert crypto.decrypt(raw) == MOBILE
    assert User.objects.get(pk=user.pk).mobile == MOBILE


@pytest.mark.django_db
def test_blind_index_finds_the_row_from_any_spelling_of_the_mobile():
    user = User.objects.create_user(email="a@example.com", mobile=MOBILE)
    for spelling in ("09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "+98 912 123 4567", "0098-912-1234567"):
        assert User.objects.by_mobile(spelling).get() == user
    assert blind_lookup(User, "mobile_index", "09121234567") == user.mobile_index
    assert "9121234567" not in user.mobile_index


@pytest.mark.django_db
def test_lookups_on_encrypted_columns_are_refused():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(User.objects.filter(mobile__contains="912"))


@pytest.mark.django_db
def test_tampered_ciphertext_is_rejected():
    user = User.objects.create_user(email="a@example.com", mobile=MOBILE)
    raw = _raw("mobile", user.pk)
    forged = raw[:-4] + ("AAAA" if raw[-4:] != "AAAA" else "BBBB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET mobile = %s WHERE id = %s", [forged, user.pk])
    with pytest.raises(crypto.InvalidToken):
        User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_new_key(settings):
    user = User.objects.create_user(email="a@example.com", mobile=MOBILE)
    old_raw = _raw("mobile", user.pk)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    new_raw = _raw("mobile", user.pk)
    assert new_raw != old_raw
    # Only the new key is needed from now on: the old ones can be retired.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert User.objects.get(pk=user.pk).mobile == MOBILE
    assert User.objects.by_mobile("09121234567").get() == user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_contains_no_plaintext_personal_data():
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed")
    mobiles = ["+989121234567", "+989351112233"]
    users = [
        User.objects.create_user(email=f"u{i}@example.com", mobile=mobile)
        for i, mobile in enumerate(mobiles)
    ]
    db = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            db.get("HOST") or "127.0.0.1",
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert users[0].mobile_index in dump  # the dump really has the users
    assert "u0@example.com" not in dump  # the email is encrypted too
    for mobile in mobiles:
        national = "0" + mobile[3:]
        for form in (mobile, mobile[1:], national, mobile[3:]):
            assert form not in dump, form
