"""Staff backup codes: made on a Persian page, shown once, stored as keyed digests, one use
each on the staff two-factor page, invalidated by new ones, audited, never shown again."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from metavast.accounts.services import backup_codes
from metavast.accounts.testing import verify_staff_client
from metavast.accounts.tests.conftest import PASSWORD, make_user
from metavast.audit.models import AuditEvent
from metavast.core.text import to_ascii_digits, to_persian_digits

pytestmark = pytest.mark.django_db

PAGE = "/accounts/staff/2fa/backup-codes/"
CODE_IN_PAGE = re.compile(r'<bdi dir="ltr" class="acc-secret">([۰-۹ ]+)</bdi>')


@pytest.fixture
def staff():
    return make_user(mobile=None, email="staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="app", confirmed=True)


def _token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _fresh_token(device: TOTPDevice) -> str:
    """The current code; django-otp refuses a code whose step was already used, so the device's
    record of the last used step is cleared first (tests use several codes within 30 s)."""
    device.refresh_from_db()
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    return _token(device)


def _generate(client, device) -> list[str]:
    response = client.post(PAGE, {"token": _fresh_token(device)})
    assert response.status_code == 200, response.content.decode()[:800]
    page = response.content.decode()
    codes = CODE_IN_PAGE.findall(page)
    assert len(codes) == 10
    return [to_ascii_digits(code).replace(" ", "") for code in codes]


@pytest.fixture
def verified_client(client, staff, device):
    client.force_login(staff)
    return verify_staff_client(client, staff)


def _signed_in_unverified(client):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.com", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302  # two-factor not passed yet
    return client


def test_page_needs_a_verified_session(client, staff, device):
    _signed_in_unverified(client)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/staff/2fa/?next=")


def test_generate_shows_ten_codes_once_and_stores_only_digests(verified_client, staff, device):
    page = verified_client.get(PAGE).content.decode()
    assert "کدهای پشتیبانِ به‌کارنرفته: <strong>۰</strong>" in page
    codes = _generate(verified_client, device)
    assert len(set(codes)) == 10 and all(len(c) == 12 and c.isdigit() for c in codes)

    stored = list(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored
        assert all(code[:8] not in token for token in stored)
    assert StaticDevice.objects.get(user=staff).name == backup_codes.DEVICE_NAME

    # Never shown again: the page (GET) shows the count only, in Persian digits.
    again = verified_client.get(PAGE).content.decode()
    assert "کدهای پشتیبانِ به‌کارنرفته: <strong>۱۰</strong>" in again
    for code in codes:
        shown = to_persian_digits(backup_codes.backup_code_display(code))
        assert shown not in again and code not in again
    assert not CODE_IN_PAGE.search(again)
    assert verified_client.get(PAGE)["Cache-Control"].count("no-store") == 1

    event = AuditEvent.objects.get(action="accounts.staff_backup_codes_generated")
    assert event.actor_id == staff.pk
    assert event.after == {"count": 10, "replaced_unused": 0}
    assert not any(code in str(event.after) for code in codes)


def test_generating_needs_the_current_app_code(verified_client, staff, device):
    device.refresh_from_db()
    wrong = f"{(int(_fresh_token(device)) + 1) % 10**6:06d}"
    response = verified_client.post(PAGE, {"token": wrong})
    assert response.status_code == 200
    assert "درست نیست" in response.content.decode()
    assert not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(
        action="accounts.staff_2fa_failed", after__purpose="backup_codes"
    ).exists()
    assert not AuditEvent.objects.filter(action="accounts.staff_backup_codes_generated").exists()


def test_backup_code_signs_in_once_and_is_refused_after(client, staff, device):
    code = _make_codes_for(staff, device)[3]

    _signed_in_unverified(client)
    typed = to_persian_digits(backup_codes.backup_code_display(code))  # Persian digits, spaces
    response = client.post("/accounts/staff/2fa/", {"token": typed, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    used = AuditEvent.objects.get(action="accounts.staff_backup_code_used")
    assert used.actor_id == staff.pk and used.after == {"left": 9}

    # Same code in a new session: refused, nothing else consumed, the failure recorded.
    client.logout()
    _signed_in_unverified(client)
    response = client.post("/accounts/staff/2fa/", {"token": code, "next": "/admin/"})
    assert response.status_code == 200
    assert "کد پشتیبان درست نیست" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    assert (
        AuditEvent.objects.filter(
            action="accounts.staff_2fa_failed", after__method="backup_code"
        ).count()
        == 1
    )
    assert AuditEvent.objects.filter(action="accounts.staff_backup_code_used").count() == 1


def _make_codes_for(staff, device) -> list[str]:
    from django.test import Client

    other = Client()
    other.force_login(staff)
    verify_staff_client(other, staff)
    return _generate(other, device)


def test_regenerating_invalidates_the_old_codes(client, staff, device):
    old = _make_codes_for(staff, device)
    new = _make_codes_for(staff, device)
    assert not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=staff).count() == 10
    assert StaticDevice.objects.filter(user=staff).count() == 1
    events = AuditEvent.objects.filter(action="accounts.staff_backup_codes_generated").order_by(
        "pk"
    )
    assert [e.after["replaced_unused"] for e in events] == [0, 10]

    _signed_in_unverified(client)
    response = client.post("/accounts/staff/2fa/", {"token": old[0], "next": "/admin/"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
    device_row = StaticDevice.objects.get(user=staff)
    device_row.throttle_reset()  # the failure above slows the next try; not under test here
    response = client.post("/accounts/staff/2fa/", {"token": new[0], "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failed_backup_codes_are_throttled_like_totp(client, staff, device):
    codes = _make_codes_for(staff, device)
    _signed_in_unverified(client)
    client.post("/accounts/staff/2fa/", {"token": "0" * 12, "next": "/admin/"})
    # Right after a failure django-otp's back-off refuses even a right code.
    response = client.post("/accounts/staff/2fa/", {"token": codes[0], "next": "/admin/"})
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=staff).count() == 10
    assert AuditEvent.objects.filter(
        action="accounts.staff_2fa_failed", after__throttled=True
    ).exists()
    assert StaticDevice.objects.get(user=staff).throttling_failure_count == 1


def test_backup_codes_do_not_replace_enrolment(client, staff):
    """Without a confirmed app there is nothing to back up: no codes, and none accepted."""
    with pytest.raises(backup_codes.BackupCodesNeedTotp):
        backup_codes.staff_backup_codes_generate(user=staff, totp_token="123456")
    device = StaticDevice.objects.create(user=staff, name=backup_codes.DEVICE_NAME)
    StaticToken.objects.create(device=device, token=backup_codes._digest(device, "1" * 12))
    _signed_in_unverified(client)
    response = client.post("/accounts/staff/2fa/", {"token": "1" * 12, "next": "/admin/"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_admin_shows_no_static_token(verified_client, staff, device):
    """The static device's admin is either hidden (404) or DeviceAdmin, which shows no token."""
    _make_codes_for(staff, device)
    static = StaticDevice.objects.get(user=staff)
    tokens = list(static.token_set.values_list("token", flat=True))
    assert len(tokens) == 10
    for url in (
        "/admin/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        "/admin/otp_static/statictoken/",
    ):
        response = verified_client.get(url)
        assert response.status_code in (200, 404), url
        page = response.content.decode()
        assert not any(token in page for token in tokens), url
    assert verified_client.get("/admin/otp_static/statictoken/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_code_posted_twice_at_once_signs_in_once(staff, device):
    """Two sign-ins race with the same code: the device row lock lets exactly one through."""
    import threading

    from django.db import connection
    from django.test import Client

    code = _make_codes_for(staff, device)[0]
    clients = []
    for _ in range(2):
        other = Client()
        other.force_login(staff)
        clients.append(other)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post(other):
        try:
            barrier.wait()
            statuses.append(
                other.post("/accounts/staff/2fa/", {"token": code, "next": "/admin/"}).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 302]
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    assert AuditEvent.objects.filter(action="accounts.staff_backup_code_used").count() == 1
