"""django-axes keeps no access log, and its attempts (IP, user agent) follow the IP retention."""

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from metavast.accounts.services.signin_attempts import signin_attempts_purge
from metavast.accounts.tasks import purge_expired_sessions_and_codes
from metavast.accounts.tests.conftest import MOBILE, PASSWORD

pytestmark = pytest.mark.django_db

WEB = "/accounts/login/"
API_SIGNIN = "/api/v1/accounts/auth/signin"


def web_password(client, password, username=MOBILE):
    return client.post(WEB, {"action": "password", "username": username, "password": password})


def api_password(client, password):
    body = json.dumps({"login": MOBILE, "password": password})
    return client.post(API_SIGNIN, body, content_type="application/json")


def fail_from(ip: str, times: int = 1) -> None:
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=f"agent {ip}")
    for _ in range(times):
        assert web_password(client, "bad-bad-bad").status_code == 200


def age(ip: str, delta: dt.timedelta) -> None:
    """Move an attempt back in time (the clock moved on since it was made)."""
    moved = AccessAttempt.objects.filter(ip_address=ip).update(attempt_time=timezone.now() - delta)
    assert moved == 1


def test_settings_turn_the_access_and_failure_logs_off():
    assert django_settings.AXES_DISABLE_ACCESS_LOG is True
    assert django_settings.AXES_ENABLE_ACCESS_FAILURE_LOG is False


def test_no_sign_in_writes_an_access_log_or_failure_log(client, user):
    # Given failed and successful sign-ins on the web and the API, and a sign-out
    assert web_password(Client(), "bad-bad-bad").status_code == 200
    assert api_password(Client(), "bad-bad-bad-bad").status_code == 401
    assert web_password(client, PASSWORD).status_code == 302
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert api_password(Client(), PASSWORD).status_code == 200
    # Then axes kept no log of any of them (attempts are its lock-out counters, see below)
    assert AccessLog.objects.count() == 0
    assert AccessFailureLog.objects.count() == 0


def test_purge_removes_attempts_past_cool_off_or_retention_and_keeps_recent(settings, user):
    settings.AXES_COOLOFF_TIME = 0.25  # hours, as configured
    settings.IP_LOG_RETENTION_DAYS = 90
    fail_from("10.0.0.1")
    fail_from("10.0.0.2")
    fail_from("10.0.0.3")
    age("10.0.0.1", dt.timedelta(minutes=2))  # still counting towards a lock-out
    age("10.0.0.2", dt.timedelta(minutes=16))  # past the 15-minute cool-off
    age("10.0.0.3", dt.timedelta(days=91))  # past the IP retention

    result = signin_attempts_purge(older_than_days=settings.IP_LOG_RETENTION_DAYS)

    assert result == {"attempts": 2, "access_logs": 0}
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.1"]


def test_retention_applies_when_the_cool_off_is_longer_or_unset(settings, user):
    fail_from("10.0.1.1")
    fail_from("10.0.1.2")
    age("10.0.1.1", dt.timedelta(days=30))
    age("10.0.1.2", dt.timedelta(days=91))

    settings.AXES_COOLOFF_TIME = None  # locks until reset: only the retention limits them
    assert signin_attempts_purge(older_than_days=90) == {"attempts": 1, "access_logs": 0}
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.1.1"]

    settings.AXES_COOLOFF_TIME = dt.timedelta(days=365)
    assert signin_attempts_purge(older_than_days=7) == {"attempts": 1, "access_logs": 0}
    assert AccessAttempt.objects.count() == 0


def test_purge_never_lifts_a_current_lock(settings, user):
    client = Client(REMOTE_ADDR="10.0.2.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_password(client, "bad-bad-bad")
    assert web_password(client, PASSWORD).status_code == 429
    before = list(AccessAttempt.objects.values_list("pk", "failures_since_start", "attempt_time"))

    assert signin_attempts_purge(older_than_days=90) == {"attempts": 0, "access_logs": 0}

    after = list(AccessAttempt.objects.values_list("pk", "failures_since_start", "attempt_time"))
    assert after == before
    assert web_password(client, PASSWORD).status_code == 429


def test_old_log_rows_from_before_are_purged_by_retention(user):
    common = {"user_agent": "ua", "ip_address": "10.0.3.1", "http_accept": "*/*", "path_info": "/"}
    old_log = AccessLog.objects.create(username="x", **common)
    new_log = AccessLog.objects.create(username="y", **common)
    old_failure = AccessFailureLog.objects.create(username="x", **common)
    long_ago = timezone.now() - dt.timedelta(days=91)
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=long_ago)
    AccessFailureLog.objects.filter(pk=old_failure.pk).update(attempt_time=long_ago)

    assert signin_attempts_purge(older_than_days=90) == {"attempts": 0, "access_logs": 2}
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new_log.pk]
    assert AccessFailureLog.objects.count() == 0


def test_hourly_accounts_purge_task_purges_axes_attempts(settings, user):
    settings.IP_LOG_RETENTION_DAYS = 90
    fail_from("10.0.4.1")
    fail_from("10.0.4.2")
    age("10.0.4.2", dt.timedelta(hours=1))

    result = purge_expired_sessions_and_codes()

    assert result["axes_attempts"] == 1 and result["axes_access_logs"] == 0
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.4.1"]
    schedule = settings.CELERY_BEAT_SCHEDULE["accounts-purge"]
    assert schedule["task"] == "metavast.accounts.tasks.purge_expired_sessions_and_codes"
    assert schedule["schedule"] <= 3600
