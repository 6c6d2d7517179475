"""Staff TOTP two-factor before the admin opens; no default accounts."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.models import User
from metavast.accounts.tests.conftest import PASSWORD, make_user
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return make_user(mobile=None, email="staff@example.com", is_staff=True, is_superuser=True)


def _admin_login(client):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.com", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_admin_sends_staff_without_a_device_to_setup_with_a_qr_code(client, staff):
    _admin_login(client)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/staff/2fa/?next=%2Fadmin%2F"
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # CSP: no inline script
    assert " style=" not in page


def test_first_right_code_confirms_the_device_and_opens_the_admin(client, staff):
    _admin_login(client)
    client.get("/accounts/staff/2fa/?next=/admin/")
    device = TOTPDevice.objects.get(user=staff)
    key_before = client.session.session_key
    response = client.post("/accounts/staff/2fa/", {"token": _token(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.session.session_key != key_before
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="accounts.staff_2fa_enrolled").exists()


def test_wrong_code_keeps_the_admin_closed(client, staff):
    _admin_login(client)
    client.get("/accounts/staff/2fa/")
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(_token(device)) + 1) % 10**6:06d}"
    response = client.post("/accounts/staff/2fa/", {"token": wrong, "next": "/admin/"})
    assert response.status_code == 200
    assert "درست نیست" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.staff_2fa_failed").exists()


def test_enrolled_staff_get_a_code_form_without_qr(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="x", confirmed=True)
    _admin_login(client)
    page = client.get("/accounts/staff/2fa/?next=/admin/").content.decode()
    assert "data:image/svg+xml" not in page
    client.post("/accounts/staff/2fa/", {"token": _token(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_customers_cannot_use_the_staff_page(client, user):
    from metavast.accounts.tests.conftest import signin

    signin(client, user)
    assert client.get("/accounts/staff/2fa/").status_code == 403


def test_next_from_the_staff_page_stays_on_the_site(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="x", confirmed=True)
    _admin_login(client)
    response = client.post(
        "/accounts/staff/2fa/", {"token": _token(device), "next": "//evil.example"}
    )
    assert response["Location"] == "/"


def test_bootstrap_admin_makes_one_random_password_and_no_default(capsys):
    call_command("bootstrap_admin", email="boss@example.com")
    out = capsys.readouterr().out
    assert "password:" in out
    call_command("bootstrap_admin", email="boss@example.com")
    assert "no new password" in capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).count() == 1


def test_verify_staff_client_helper_opens_the_admin(client, admin_user):
    from metavast.accounts.testing import verify_staff_client

    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 302
    verify_staff_client(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_staff_look_at_a_customer_is_audited(admin_client, user):
    from django.conf import settings

    from metavast.audit.models import AuditEvent

    response = admin_client.get(f"/{settings.ADMIN_PATH}/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(
            action="accounts.user_viewed_by_staff", subject_id=str(user.pk)
        ).count()
        == 1
    )
