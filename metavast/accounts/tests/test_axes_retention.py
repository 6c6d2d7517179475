"""django-axes keeps no access log; the retention of its attempts (IP, user agent) is the
engine's (privacy/retention.py "axes_*", tested in privacy/tests/test_retention_ported.py)."""

import json

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.test import Client

from metavast.accounts.tests.conftest import MOBILE, PASSWORD

pytestmark = pytest.mark.django_db

WEB = "/accounts/login/"
API_SIGNIN = "/api/v1/accounts/auth/signin"


def web_password(client, password, username=MOBILE):
    return client.post(WEB, {"action": "password", "username": username, "password": password})


def api_password(client, password):
    body = json.dumps({"login": MOBILE, "password": password})
    return client.post(API_SIGNIN, body, content_type="application/json")


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
    # Then axes kept no log of any of them (attempts are its lock-out counters)
    assert AccessLog.objects.count() == 0
    assert AccessFailureLog.objects.count() == 0
