"""Issue 9, item 10: guessing passwords across accounts from one IP, and idle sessions.

axes locks one account per IP; a spray of one guess at many accounts never tripped it.
Failed password checks are now also counted per client IP, whatever the entry point (web
and API sign-in, step-up, the admin's login). Idle browser sessions end: staff after 30
minutes, customers after SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS. Time is moved by editing
the session's last-activity value or the row's last_seen_at, never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metavast.accounts.middleware import IDLE_MESSAGE
from metavast.accounts.models import UserSession
from metavast.accounts.services.sessions import ACTIVITY_SESSION_KEY, STEPUP_SESSION_KEY
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, make_user
from metavast.audit.models import AuditEvent
from metavast.core import crypto

pytestmark = pytest.mark.django_db

API = "/api/v1/accounts"
SPRAYER = "203.0.113.7"
WRONG = "not-the-password-42"


def api_signin(client: Client, login: str, password: str):
    return client.post(
        f"{API}/auth/signin",
        json.dumps({"login": login, "password": password}),
        content_type="application/json",
    )


def spray(client: Client, count: int) -> list[int]:
    """`count` wrong passwords, each at a different (unknown) account, through the API."""
    return [api_signin(client, f"09350000{n:03d}", WRONG).status_code for n in range(count)]


def limit() -> int:
    return settings.PASSWORD_FAILURE_LIMIT_PER_IP[0]


def app_sessions() -> int:
    return UserSession.objects.count()


# --- guessing across accounts ---------------------------------------------------------------


def test_a_spray_across_accounts_from_one_ip_is_refused_then_even_the_right_password(user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)

    assert spray(sprayer, limit()) == [401] * limit()
    refused = api_signin(sprayer, MOBILE, PASSWORD)

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    body = refused.json()
    assert body["code"] == "password_attempts_limited"
    assert "کد پیامکی" in body["message"] and "۱۵ دقیقهٔ دیگر" in body["message"]
    assert body["fields"] == {}
    assert app_sessions() == 0  # nothing was signed in
    event = AuditEvent.objects.filter(action="accounts.signin_failed").order_by("-pk").first()
    assert event.after["ip_limited"] is True and event.after["locked"] is True
    # Another client is not affected.
    elsewhere = api_signin(Client(REMOTE_ADDR="198.51.100.9"), MOBILE, PASSWORD)
    assert elsewhere.status_code == 200
    assert app_sessions() == 1


def test_the_limit_is_far_above_axes_so_a_nat_with_typos_still_signs_in(user):
    """Five typos lock that one account for this IP (axes); others behind it sign in."""
    assert limit() > settings.AXES_FAILURE_LIMIT
    office = Client(REMOTE_ADDR=SPRAYER)
    colleague = make_user(mobile="+989351112233", email="colleague@example.com")

    answers = [api_signin(office, MOBILE, WRONG) for _ in range(settings.AXES_FAILURE_LIMIT)]

    assert [a.status_code for a in answers] == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert api_signin(office, MOBILE, PASSWORD).json()["code"] == "locked"
    ok = api_signin(office, "colleague@example.com", PASSWORD)
    assert ok.status_code == 200
    assert UserSession.objects.filter(user=colleague).count() == 1


def test_a_success_does_not_reset_the_ip_counter(user):
    other = make_user(mobile="+989351112233", email="other@example.com")
    sprayer = Client(REMOTE_ADDR=SPRAYER)

    assert spray(sprayer, limit() - 1) == [401] * (limit() - 1)
    # The attacker's own account (or one guess that worked) does not wipe the slate.
    assert api_signin(sprayer, "other@example.com", PASSWORD).status_code == 200
    assert api_signin(sprayer, "09359999999", WRONG).status_code == 401

    refused = api_signin(sprayer, MOBILE, PASSWORD)

    assert refused.status_code == 429
    assert refused.json()["code"] == "password_attempts_limited"
    assert UserSession.objects.filter(user=user).count() == 0
    assert UserSession.objects.filter(user=other).count() == 1


def test_web_sign_in_from_a_spraying_ip_gets_a_persian_lockout_page(client, user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for n in range(limit()):
        wrong = sprayer.post(
            "/accounts/login/",
            {"action": "password", "username": f"user{n}@example.com", "password": WRONG},
        )
        assert wrong.status_code == 200  # the form again, with the usual error

    refused = sprayer.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "از نشانی اینترنتی شما تلاش‌های ناموفق زیادی برای ورود با گذرواژه شده است" in page
    assert '<a href="/accounts/login/">با کد پیامکی وارد شوید</a>' in page  # the way out
    assert "_auth_user_id" not in sprayer.session
    assert app_sessions() == 0


def test_web_and_api_share_one_counter_per_ip(user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    half = limit() // 2
    spray(sprayer, half)
    for n in range(limit() - half):
        sprayer.post(
            "/accounts/login/",
            {"action": "password", "username": f"user{n}@example.com", "password": WRONG},
        )

    assert api_signin(sprayer, MOBILE, PASSWORD).status_code == 429
    assert app_sessions() == 0


def test_step_up_with_password_is_refused_from_a_spraying_ip(user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    sprayer.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    session = sprayer.session
    session[STEPUP_SESSION_KEY] = time.time() - settings.STEPUP_MAX_AGE - 1
    session.save()
    spray(sprayer, limit())

    refused = sprayer.post(
        "/accounts/verify/", {"action": "password", "password": PASSWORD, "next": "/accounts/"}
    )

    assert refused.status_code == 429
    assert sprayer.session[STEPUP_SESSION_KEY] < time.time() - settings.STEPUP_MAX_AGE
    assert not AuditEvent.objects.filter(action="accounts.stepup").exists()


def test_api_step_up_with_password_is_refused_from_a_spraying_ip(user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    access = api_signin(sprayer, MOBILE, PASSWORD).json()["access"]
    spray(sprayer, limit())

    refused = sprayer.post(
        f"{API}/me/contacts/email",
        json.dumps({"email": "new@example.com", "password": PASSWORD}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )

    assert refused.status_code == 429
    assert refused.json()["code"] == "password_attempts_limited"
    user.refresh_from_db()
    assert user.email_pending == ""


def test_the_admin_login_is_refused_from_a_spraying_ip():
    make_user(is_staff=True, is_superuser=True)
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    spray(sprayer, limit())

    refused = sprayer.post(
        reverse("admin:login"), {"username": MOBILE, "password": PASSWORD, "next": "/"}
    )

    assert refused.status_code == 429
    assert "_auth_user_id" not in sprayer.session


def test_the_admin_login_counts_towards_the_ip_limit(user):
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for n in range(limit()):
        sprayer.post(
            reverse("admin:login"), {"username": f"staff{n}@example.com", "password": WRONG}
        )

    assert api_signin(sprayer, MOBILE, PASSWORD).status_code == 429


def test_an_ipv6_client_counts_as_its_whole_64():
    make_user()
    for n in range(limit()):
        neighbour = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        assert api_signin(neighbour, f"09350000{n:03d}", WRONG).status_code == 401

    same_64 = api_signin(Client(REMOTE_ADDR="2001:db8:1:2:ffff::1"), MOBILE, PASSWORD)
    other_64 = api_signin(Client(REMOTE_ADDR="2001:db8:1:3::1"), MOBILE, PASSWORD)

    assert same_64.status_code == 429
    assert other_64.status_code == 200


def test_the_counter_is_kept_under_a_keyed_digest_not_the_ip(user):
    spray(Client(REMOTE_ADDR=SPRAYER), 3)

    digest = crypto.blind_index(SPRAYER, purpose="accounts.password_ip")[:32]
    assert cache.get(f"accounts:pwfail:{digest}") == 3
    assert cache.get(f"accounts:pwfail:{SPRAYER}") is None


# --- idle sessions ----------------------------------------------------------------------------


def web_signin(user_mobile: str = MOBILE) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"action": "password", "username": user_mobile, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[ACTIVITY_SESSION_KEY] = time.time() - seconds
    session.save()


def test_a_staff_session_idle_for_30_minutes_is_ended_and_sent_to_sign_in():
    assert settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS == 30 * 60
    staff = make_user(is_staff=True)
    client = web_signin()
    key = client.session.session_key
    row = UserSession.objects.get(user=staff)
    idle_for(client, 30 * 60 + 5)

    response = client.get("/accounts/sessions/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/sessions/"
    row.refresh_from_db()
    assert row.revoked_at is not None and row.ended_reason == "idle"
    assert not Session.objects.filter(session_key=key).exists()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="accounts.session_idle_ended")
    assert event.subject_id == str(row.pk)
    assert event.after["timeout_seconds"] == 1800 and event.after["idle_seconds"] >= 1805
    # The next page is anonymous, and the sign-in page says why.
    page = client.get(response["Location"])
    assert IDLE_MESSAGE in page.content.decode()
    assert client.get("/accounts/").status_code == 302


def test_a_staff_session_used_within_30_minutes_stays(client):
    staff = make_user(is_staff=True)
    client = web_signin()
    idle_for(client, 30 * 60 - 60)

    response = client.get("/accounts/sessions/")

    assert response.status_code == 200
    row = UserSession.objects.get(user=staff)
    assert row.revoked_at is None and row.ended_reason == ""
    # That request counts as activity: the clock starts again.
    assert time.time() - client.session[ACTIVITY_SESSION_KEY] < 5


def test_activity_keeps_a_busy_staff_session_alive():
    make_user(is_staff=True)
    client = web_signin()
    for _ in range(3):  # three requests each 25 minutes apart: never 30 idle
        idle_for(client, 25 * 60)
        assert client.get("/accounts/sessions/").status_code == 200
    assert UserSession.objects.get().revoked_at is None


def test_a_customer_session_lasts_days_and_then_ends(settings):
    assert settings.SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS >= 24 * 60 * 60
    make_user()
    client = web_signin()
    idle_for(client, 2 * 60 * 60)  # two hours: a staff session would be gone

    assert client.get("/accounts/").status_code == 200

    idle_for(client, settings.SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS + 60)
    response = client.get("/accounts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert UserSession.objects.get().ended_reason == "idle"


def test_the_customer_timeout_is_a_setting(settings):
    settings.SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS = 600
    make_user()
    client = web_signin()
    idle_for(client, 601)

    assert client.get("/accounts/").status_code == 302
    assert UserSession.objects.get().ended_reason == "idle"


def test_an_idle_session_on_the_api_is_a_json_401():
    make_user(is_staff=True)
    client = web_signin()
    idle_for(client, 31 * 60)

    response = client.get(f"{API}/me")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert UserSession.objects.get().ended_reason == "idle"


def test_a_session_without_the_activity_value_is_judged_by_its_row():
    """Sessions started before this rule (or by a login we do not own) use last_seen_at."""
    make_user(is_staff=True)
    client = web_signin()
    session = client.session
    del session[ACTIVITY_SESSION_KEY]
    session.save()
    UserSession.objects.update(last_seen_at=timezone.now() - dt.timedelta(hours=2))

    response = client.get("/accounts/")

    assert response.status_code == 302
    assert UserSession.objects.get().ended_reason == "idle"


def test_an_idle_htmx_request_reloads_the_sign_in_page():
    make_user(is_staff=True)
    client = web_signin()
    idle_for(client, 31 * 60)

    response = client.get("/accounts/addresses/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/accounts/addresses/"
    assert UserSession.objects.get().ended_reason == "idle"


def test_an_idle_staff_in_the_admin_is_sent_to_sign_in():
    make_user(is_staff=True, is_superuser=True)
    client = web_signin()
    idle_for(client, 31 * 60)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert UserSession.objects.get().ended_reason == "idle"


def test_signing_out_and_revoking_record_their_reasons():
    user = make_user()
    first = web_signin()
    second = web_signin()
    rows = list(UserSession.objects.order_by("pk"))

    first.post("/accounts/logout/")
    second.post(f"/accounts/sessions/{rows[1].pk}/revoke/")

    reasons = list(UserSession.objects.order_by("pk").values_list("ended_reason", flat=True))
    assert reasons == ["signout", "revoked"]
    assert user.signed_in_sessions.filter(revoked_at__isnull=True).count() == 0
