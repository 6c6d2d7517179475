"""Issue 9, item 13: staff reads of personal data and refused staff writes leave an audit row;
log timestamps are UTC."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client

from metavast.accounts.models import User
from metavast.accounts.services.sessions import BACKEND
from metavast.accounts.testing import verify_staff_client
from metavast.accounts.tests.conftest import make_user
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record
from metavast.core.logging import JsonFormatter

pytestmark = pytest.mark.django_db

ADMIN = f"/{settings.ADMIN_PATH}"


def _staff(*codenames: str, superuser: bool = False) -> User:
    user = make_user(mobile=None, email="clerk@example.com", is_staff=True, is_superuser=superuser)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def _client(user: User, **extra) -> Client:
    client = Client(**extra)
    client.force_login(user, backend=BACKEND)
    return verify_staff_client(client, user)


@pytest.fixture
def customer() -> User:
    return make_user(email="maryam@example.com", first_name="مریم", last_name="کاظمی")


# --- Looks at the user list and at the audit trail ----------------------------------------


def test_each_look_at_the_user_list_is_audited_without_the_data(customer):
    clerk = _staff("view_user")
    client = _client(clerk, REMOTE_ADDR="5.120.1.1")

    first = client.get(f"{ADMIN}/accounts/user/")
    second = client.get(f"{ADMIN}/accounts/user/", {"q": "مریم", "p": "0", "is_staff__exact": "0"})

    assert first.status_code == second.status_code == 200
    # Issue 10: a non-superuser's list masks the contact details.
    assert "maryam@example.com" not in first.content.decode()
    assert "ma••••" in first.content.decode()
    looks = list(AuditEvent.objects.filter(action="accounts.users_listed_by_staff").order_by("pk"))
    assert [(e.actor_id, e.subject_type, e.client_ip) for e in looks] == [
        (clerk.pk, "accounts.user", "5.120.1.1"),
        (clerk.pk, "accounts.user", "5.120.1.1"),
    ]
    shown = ["id", "email_masked", "name_masked", "is_staff", "is_active"]
    assert looks[0].after == {
        "page": "0",
        "search": "",
        "filters": {},
        "fields": shown,
        "roles": [],  # permissions given directly, no role
    }
    assert looks[1].after == {
        "page": "0",
        "search": "مریم",
        "filters": {"is_staff__exact": "0"},
        "fields": shown,
        "roles": [],
    }
    stored = json.dumps([e.after for e in looks], ensure_ascii=False)
    assert "maryam@example.com" not in stored and "کاظمی" not in stored


def test_a_refused_look_at_the_user_list_writes_no_look(customer):
    clerk = _staff("view_order")
    response = _client(clerk).get(f"{ADMIN}/accounts/user/")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="accounts.users_listed_by_staff").exists()


def test_looks_at_the_audit_trail_are_audited():
    auditor = _staff("view_auditevent")
    with_ip = audit_record(action="accounts.signin", after={"method": "password"})
    client = _client(auditor)

    listed = client.get(f"{ADMIN}/audit/auditevent/", {"q": "signin"})
    detail = client.get(f"{ADMIN}/audit/auditevent/{with_ip.pk}/change/")

    assert listed.status_code == detail.status_code == 200
    look = AuditEvent.objects.get(action="audit.events_viewed_by_staff")
    assert (look.actor_id, look.subject_type, look.after) == (
        auditor.pk,
        "audit.auditevent",
        {"page": "0", "search": "signin", "filters": {}},
    )
    viewed = AuditEvent.objects.get(action="audit.event_viewed_by_staff")
    assert (viewed.actor_id, viewed.subject_id, viewed.after) == (auditor.pk, str(with_ip.pk), None)


# --- Refused staff writes -----------------------------------------------------------------


def test_a_refused_staff_write_is_audited_with_method_and_path_only(customer):
    clerk = _staff("view_user")
    client = _client(clerk, REMOTE_ADDR="5.120.1.1")

    response = client.post(
        f"{ADMIN}/accounts/user/{customer.pk}/change/?next=/secret-query",
        {"first_name": "هک", "is_superuser": "on"},
    )

    assert response.status_code == 403
    customer.refresh_from_db()
    assert (customer.first_name, customer.is_superuser) == ("مریم", False)
    event = AuditEvent.objects.get(action="security.staff_write_refused")
    assert (event.actor_id, event.actor_label, event.client_ip) == (
        clerk.pk,
        f"staff:{clerk.pk}",
        "5.120.1.1",
    )
    assert event.after == {
        "method": "POST",
        "path": f"{ADMIN}/accounts/user/{customer.pk}/change/",
    }


def test_a_csrf_refusal_of_staff_is_audited():
    clerk = _staff("view_user")
    client = _client(clerk, enforce_csrf_checks=True)
    response = client.post(f"{ADMIN}/accounts/user/add/", {"email": "x@example.com"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(action="security.staff_write_refused").after == {
        "method": "POST",
        "path": f"{ADMIN}/accounts/user/add/",
    }
    assert not User.objects.by_email("x@example.com").exists()


def test_token_like_path_segments_are_not_kept():
    clerk = _staff()
    client = _client(clerk, enforce_csrf_checks=True)
    token = "c9x2ab-0123456789abcdef0123456789abcdef"
    response = client.post(f"/accounts/password/reset/MQ/{token}/", {"password1": "x"})
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="security.staff_write_refused")
    assert token not in json.dumps(event.after)
    assert event.after["path"] == "/accounts/password/reset/MQ/[token]/"


def test_refused_reads_and_customers_refusals_are_not_logged_as_staff_writes(customer):
    clerk = _staff("view_order")
    assert _client(clerk).get(f"{ADMIN}/accounts/user/").status_code == 403
    shopper = Client(enforce_csrf_checks=True)
    shopper.force_login(customer, backend=BACKEND)
    assert shopper.post("/accounts/profile/", {"first_name": "x"}).status_code == 403
    assert not AuditEvent.objects.filter(action="security.staff_write_refused").exists()


def test_a_failing_audit_write_does_not_change_the_response(customer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("metavast.audit.middleware.audit_record", broken)
    clerk = _staff("view_user")
    response = _client(clerk).post(f"{ADMIN}/accounts/user/{customer.pk}/change/", {})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="security.staff_write_refused").exists()
    # The request's own work is untouched by the failed write.
    assert _client(clerk).get(f"{ADMIN}/accounts/user/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_refusal_row_is_committed_on_its_own(customer):
    clerk = _staff("view_user")
    _client(clerk).post(f"{ADMIN}/accounts/user/{customer.pk}/change/", {})
    # A real commit (no test transaction around it): visible from a fresh query.
    assert AuditEvent.objects.filter(action="security.staff_write_refused").count() == 1


# --- Log timestamps -----------------------------------------------------------------------


def test_json_log_time_is_utc_whatever_the_time_zone():
    record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "name": "x"})
    record.created = dt.datetime(2025, 3, 20, 20, 30, 15, 250000, tzinfo=dt.UTC).timestamp()
    payload = json.loads(JsonFormatter().format(record))
    assert payload["time"] == "2025-03-20T20:30:15.250Z"
    parsed = dt.datetime.fromisoformat(payload["time"].replace("Z", "+00:00"))
    assert parsed.utcoffset() == dt.timedelta(0)


def test_the_event_page_shows_before_and_after_in_persian_not_raw_json():
    """QA 3, 7g: the page showed «{"page": "0", "search": "", "filters": {}}»."""
    from metavast.audit.admin import event_details

    root = _staff(superuser=True)
    event = audit_record(
        action="audit.events_viewed_by_staff",
        actor=root,
        subject_type="audit.auditevent",
        after={"page": "2", "search": "", "filters": {"action": "x"}},
    )
    html = str(event_details("audit.auditevent", event.after))
    assert "صفحه: <bdi>۲</bdi>" in html
    assert "جست‌وجو: <bdi>-</bdi>" in html
    assert "پالایه‌ها" in html
    page = _client(root).get(f"{ADMIN}/audit/auditevent/{event.pk}/change/").content.decode()
    assert "صفحه: <bdi>۲</bdi>" in page
    # The sealed JSON is still there, folded away, exactly as stored.
    assert "<summary>دادهٔ ثبت‌شده</summary>" in page
