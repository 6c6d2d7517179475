"""The sessions page: see signed-in devices, end one or all others; password change ends all."""

import pytest
from django.test import Client

from metavast.accounts.models import UserSession
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, make_user, signin
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def _browser(ua: str, ip: str) -> Client:
    c = Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)
    r = c.post("/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD})
    assert r.status_code == 302
    return c


def test_sessions_page_lists_devices_with_ip_and_marks_this_one(user):
    phone = _browser(PHONE_UA, "5.120.1.1")
    _browser(DESKTOP_UA, "2.180.2.2")
    page = phone.get("/accounts/sessions/").content.decode()
    assert "Mobile Safari" in page and "iOS" in page and "تلفن همراه" in page
    assert "Chrome 120<" in page and "Windows 10" in page and "رایانه" in page
    assert "5.120.1.1" in page and "2.180.2.2" in page
    assert page.count('class="acc-badge">همین دستگاه') == 1


def test_sign_out_another_session(user):
    phone = _browser(PHONE_UA, "5.120.1.1")
    desktop = _browser(DESKTOP_UA, "2.180.2.2")
    # The user agent is encrypted: found by reading the rows, not by a query.
    (desktop_row,) = [s for s in UserSession.objects.all() if s.user_agent == DESKTOP_UA]
    response = phone.post(f"/accounts/sessions/{desktop_row.pk}/revoke/")
    assert response.status_code == 302
    assert desktop.get("/accounts/").status_code == 302  # signed out
    assert phone.get("/accounts/").status_code == 200
    desktop_row.refresh_from_db()
    assert desktop_row.revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.session_revoked")
    assert event.client_ip == "5.120.1.1"


def test_sign_out_all_others(user):
    phone = _browser(PHONE_UA, "5.120.1.1")
    others = [_browser(DESKTOP_UA, f"2.180.2.{i}") for i in range(3)]
    phone.post("/accounts/sessions/revoke-others/")
    assert all(o.get("/accounts/").status_code == 302 for o in others)
    assert UserSession.objects.active().count() == 1


def test_cannot_revoke_someone_elses_session(user):
    stranger = make_user(mobile="+989122222222")
    c = Client()
    c.post(
        "/accounts/login/", {"action": "password", "username": "09122222222", "password": PASSWORD}
    )
    mine = _browser(PHONE_UA, "5.120.1.1")
    row = UserSession.objects.get(user=stranger)
    assert mine.post(f"/accounts/sessions/{row.pk}/revoke/").status_code == 404
    assert c.get("/accounts/").status_code == 200


def test_password_change_ends_every_other_session(user):
    phone = _browser(PHONE_UA, "5.120.1.1")
    desktop = _browser(DESKTOP_UA, "2.180.2.2")
    new = "violet-canyon-5521"
    response = phone.post("/accounts/password/", {"new_password1": new, "new_password2": new})
    assert response["Location"] == "/accounts/"
    assert phone.get("/accounts/").status_code == 200
    assert desktop.get("/accounts/").status_code == 302
    assert UserSession.objects.active().count() == 1
    assert UserSession.objects.active().get().session_key == phone.session.session_key


def test_middleware_tracks_sessions_started_elsewhere_and_throttles_writes(
    client, user, django_assert_max_num_queries
):
    signin(client, user)  # like the admin's own login view: no row yet
    client.get("/accounts/", HTTP_USER_AGENT=PHONE_UA)
    row = UserSession.objects.get()
    assert row.session_key == client.session.session_key and "iPhone" in row.user_agent
    seen = row.last_seen_at
    client.get("/accounts/")
    row.refresh_from_db()
    assert row.last_seen_at == seen  # within the minute: no write
