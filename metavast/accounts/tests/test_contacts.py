"""Profile and contacts: confirmation before a contact is official, telling the old one."""

import base64

import pytest
from django.core import signing
from django.db import connection
from django.test import Client

from metavast.accounts.models import User
from metavast.accounts.services.contacts import EMAIL_CONFIRM_SALT, email_confirm_token
from metavast.accounts.tests.conftest import (
    MOBILE,
    PASSWORD,
    last_code,
    last_link,
    make_user,
    sent,
    signin,
)
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_email_change_needs_a_fresh_stepup(client, user):
    signin(client, user)
    response = client.get("/accounts/email/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/?next=%2Faccounts%2Femail%2F"


def test_stepup_by_password_then_email_confirmed_by_link(client, user):
    signin(client, user)
    key_before = client.session.session_key
    response = client.post(
        "/accounts/verify/?next=/accounts/email/",
        {"action": "password", "password": PASSWORD, "next": "/accounts/email/"},
    )
    assert response["Location"] == "/accounts/email/"
    assert client.session.session_key != key_before  # new session id at step-up
    client.post("/accounts/email/", {"email": "Sara@Example.com"})
    user.refresh_from_db()
    assert user.email is None and user.email_pending == "sara@example.com"
    assert user.confirmed_email is None
    home = client.get("/accounts/").content.decode()
    assert "در انتظار تأیید" in home
    link = last_link("sara@example.com")
    assert client.get(_path(link)).status_code == 200
    user.refresh_from_db()
    assert user.email is None  # a GET (a mail scanner) confirms nothing
    response = client.post(_path(link))
    assert response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.confirmed_email == "sara@example.com"
    assert user.email_pending == ""
    assert "تأییدشده در" in client.get("/accounts/").content.decode()
    # The confirmed mobile was told (there was no old email to tell).
    changed = sent(template="accounts/contact_changed")
    assert [(m.channel, m.address) for m in changed] == [("sms", MOBILE)]
    assert AuditEvent.objects.filter(action="accounts.email_confirmed").count() == 1


def test_changing_a_confirmed_email_tells_the_old_address(client):
    user = make_user(email="old@example.com")
    signin(client, user, fresh=True)
    client.post("/accounts/email/", {"email": "new@example.com"})
    user.refresh_from_db()
    assert user.confirmed_email == "old@example.com"  # official until the new one confirms
    client.post(_path(last_link("new@example.com")))
    user.refresh_from_db()
    assert user.confirmed_email == "new@example.com"
    changed = sent(template="accounts/contact_changed")
    assert {(m.channel, m.address) for m in changed} == {
        ("email", "old@example.com"),
        ("sms", MOBILE),
    }


def test_superseded_tampered_and_expired_links_are_refused(client, user, settings):
    signin(client, user, fresh=True)
    client.post("/accounts/email/", {"email": "first@example.com"})
    first = _path(last_link("first@example.com"))
    client.post("/accounts/email/", {"email": "second@example.com"})
    assert client.post(first).status_code == 400
    second = _path(last_link("second@example.com"))
    assert client.post(second[:-5] + "xxxx/").status_code == 400
    settings.EMAIL_CONFIRM_MAX_AGE = -1
    assert client.post(second).status_code == 400
    user.refresh_from_db()
    assert user.email is None


def test_an_email_of_another_account_is_refused_only_after_proof(client, user):
    make_user(mobile="+989122222222", email="taken@example.com")
    signin(client, user, fresh=True)
    response = client.post("/accounts/email/", {"email": "taken@example.com"})
    assert response.status_code == 302  # the request reveals nothing
    response = client.post(_path(last_link("taken@example.com")))
    assert response.status_code == 409
    assert "حساب دیگری" in response.content.decode()


def test_mobile_change_confirms_the_new_number_and_tells_the_old(client, user):
    signin(client, user, fresh=True)
    response = client.post("/accounts/mobile/", {"mobile": "۰۹۳۵ ۱۱۱ ۲۲۳۳"})
    assert response["Location"] == "/accounts/mobile/confirm/"
    user.refresh_from_db()
    assert user.confirmed_mobile == MOBILE and user.mobile_pending == "+989351112233"
    code = last_code("+989351112233")
    response = client.post("/accounts/mobile/confirm/", {"code": code})
    assert response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.confirmed_mobile == "+989351112233"
    assert User.objects.by_mobile("09351112233").get() == user
    assert not User.objects.by_mobile(MOBILE).exists()
    told = sent(template="accounts/contact_changed")
    assert [(m.channel, m.address) for m in told] == [("sms", MOBILE)]


def test_mobile_of_another_account_is_refused_after_the_code(client, user):
    make_user(mobile="+989122222222")
    signin(client, user, fresh=True)
    client.post("/accounts/mobile/", {"mobile": "09122222222"})
    response = client.post("/accounts/mobile/confirm/", {"code": last_code("+989122222222")})
    assert response.status_code == 200
    assert "حساب دیگری" in response.content.decode()
    user.refresh_from_db()
    assert user.mobile == MOBILE


def test_landline_is_recorded_as_declared(client, user):
    signin(client, user)
    response = client.post("/accounts/landline/", {"landline": "۰۲۱-۸۸۷۷۶۶۵۵"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.landline == "+982188776655" and user.landline_declared_at is not None
    assert "ثبت‌شده به اظهار شما" in client.get("/accounts/").content.decode()
    response = client.post("/accounts/landline/", {"landline": "09121234567"})
    assert "شمارهٔ تلفن همراه است" in response.content.decode()


def test_profile_update_ignores_privileged_fields(client, user):
    other = make_user(mobile="+989122222222")
    signin(client, user)
    response = client.post(
        "/accounts/profile/",
        {
            "first_name": "علی",
            "last_name": "رضایی",
            "national_code": "۰۰۱۰۳۵۰۸۲۹",
            "is_staff": "on",
            "is_superuser": "on",
            "email": "x@example.com",
            "email_confirmed_at": "2020-01-01",
            "mobile_confirmed_at": "",
            "id": other.pk,
            "user": other.pk,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.first_name, user.last_name) == ("علی", "رضایی")
    assert (user.is_staff, user.is_superuser, user.email) == (False, False, None)
    assert user.mobile_confirmed_at is not None
    assert other.first_name == ""
    assert user.national_code == "0010350829"
    assert User.objects.filter(national_code_index=user.national_code_index).get() == user


def test_national_code_is_validated_and_encrypted_at_rest(client, user):
    signin(client, user)
    names = {"first_name": "علی", "last_name": "رضایی"}
    response = client.post("/accounts/profile/", {**names, "national_code": "1234567890"})
    assert "رقم کنترل این کد ملی درست نیست" in response.content.decode()
    response = client.post("/accounts/profile/", {**names, "national_code": "12345"})
    assert "کد ملی معتبر نیست؛ کد ملی ده رقم است" in response.content.decode()
    client.post("/accounts/profile/", {**names, "national_code": "0010350829"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_code, mobile FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()
    assert "0010350829" not in raw[0] and "912" not in raw[1]


def test_stepup_by_sms_code_for_an_account_without_password(client):
    user = make_user(password=None)
    signin(client, user)
    client.post("/accounts/verify/", {"action": "send", "next": "/accounts/mobile/"})
    response = client.post(
        "/accounts/verify/",
        {"action": "code", "code": last_code(), "next": "/accounts/mobile/"},
    )
    assert response["Location"] == "/accounts/mobile/"
    assert client.get("/accounts/mobile/").status_code == 200


def test_password_changed_notice_goes_only_to_confirmed_contacts(client):
    user = make_user(email="unconfirmed@example.com", email_confirmed=False)
    signin(client, user, fresh=True)
    new = "violet-canyon-5521"
    client.post("/accounts/password/", {"new_password1": new, "new_password2": new})
    notices = sent(template="accounts/password_changed")
    assert [(m.channel, m.address) for m in notices] == [("sms", MOBILE)]


def test_email_confirm_token_is_opaque(user):
    """Not the address, not base64 of it: the link carries ciphertext only."""
    email = "sara.ahmadi@example.com"
    token = email_confirm_token(user=user, email=email)
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            raw = decode(padded)
        except ValueError:
            continue
        assert b"sara" not in raw and b"example" not in raw
    assert "sara" not in token and "example" not in token
    # The old signed format is no longer accepted, nor a tampered token.
    old = signing.dumps({"u": user.pk, "e": email}, salt=EMAIL_CONFIRM_SALT, compress=True)
    assert Client().post(f"/accounts/email/confirm/{old}/").status_code == 400
    assert Client().post(f"/accounts/email/confirm/{token[:-2]}xx/").status_code == 400
