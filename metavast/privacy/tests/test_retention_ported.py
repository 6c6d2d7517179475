"""Tests of the per-app retention jobs the engine replaced, now run through the engine.

Each test kept its given/when/then and assertions; only the call changed, from the old
function or task to `rule_run` / `retention_run(rules=...)` with the rule's key (or the one
scheduled task, where the test was about the task). They came from
audit/tests/test_audit.py, accounts/tests/test_axes_retention.py,
accounts/tests/test_sessions.py, orders/tests/test_retention.py and
checkout/tests/test_retention.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.utils import timezone

from metavast.accounts.models import User, UserSession
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, make_user
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record, audit_seal, audit_verify
from metavast.checkout.models import CheckoutDraft
from metavast.checkout.services import checkout_draft_get
from metavast.core import context
from metavast.core.crypto import ip_pseudonym
from metavast.core.queue import task_queue
from metavast.orders.models import Order
from metavast.orders.services import (
    Receiver,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
    order_start_processing,
)
from metavast.orders.tests.factories import (  # noqa: F401 (shop is a fixture)
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,
)
from metavast.privacy.retention import RULES_BY_KEY, retention_run, rule_run

pytestmark = pytest.mark.django_db

RUN_RETENTION = "metavast.privacy.tasks.run_retention"
AXES_RULES = ("axes_attempts", "axes_logs", "axes_failure_logs")


@pytest.fixture
def user(db) -> User:
    return make_user()


def _run(*keys: str, now: dt.datetime | None = None) -> dict[str, int]:
    rules = tuple(RULES_BY_KEY[key] for key in keys)
    return retention_run(now=now or timezone.now(), rules=rules).counts


# --- audit IPs (from audit/tests/test_audit.py) ------------------------------------------


def _events(n: int) -> list[AuditEvent]:
    staff = User.objects.by_email("staff@example.com").first() or User.objects.create_user(
        email="staff@example.com", is_staff=True
    )
    return [
        audit_record(action="test.action", actor=staff, subject=staff, after={"n": i})
        for i in range(n)
    ]


def test_redacting_ips_keeps_the_chain_intact(settings):
    token = context.set_current(context.RequestContext(ip="1.2.3.4", user_agent="UA"))
    try:
        _events(2)
    finally:
        context.reset(token)
    audit_seal()
    # Was audit_redact_ips(older_than_days=-1): a cutoff a day past the present.
    past_retention = timezone.now() + dt.timedelta(days=settings.IP_LOG_RETENTION_DAYS + 1)
    assert rule_run(RULES_BY_KEY["audit_ip"], now=past_retention).count == 2
    assert not AuditEvent.objects.filter(client_ip__isnull=False).exists()
    assert audit_verify().ok


# --- axes attempts and logs (from accounts/tests/test_axes_retention.py) ------------------


def _web_password(client, password):
    return client.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": password}
    )


def fail_from(ip: str, times: int = 1) -> None:
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=f"agent {ip}")
    for _ in range(times):
        assert _web_password(client, "bad-bad-bad").status_code == 200


def age(ip: str, delta: dt.timedelta) -> None:
    """Move an attempt back in time (the clock moved on since it was made)."""
    moved = AccessAttempt.objects.filter(ip_address=ip_pseudonym(ip)).update(
        attempt_time=timezone.now() - delta
    )
    assert moved == 1


def test_purge_removes_attempts_past_cool_off_or_retention_and_keeps_recent(settings, user):
    settings.AXES_COOLOFF_TIME = 0.25  # hours, as configured
    settings.IP_LOG_RETENTION_DAYS = 90
    fail_from("10.0.0.1")
    fail_from("10.0.0.2")
    fail_from("10.0.0.3")
    age("10.0.0.1", dt.timedelta(minutes=2))  # still counting towards a lock-out
    age("10.0.0.2", dt.timedelta(minutes=16))  # past the 15-minute cool-off
    age("10.0.0.3", dt.timedelta(days=91))  # past the IP retention

    result = _run(*AXES_RULES)

    assert result == {"axes_attempts": 2, "axes_logs": 0, "axes_failure_logs": 0}
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        ip_pseudonym("10.0.0.1")
    ]


def test_retention_applies_when_the_cool_off_is_longer_or_unset(settings, user):
    fail_from("10.0.1.1")
    fail_from("10.0.1.2")
    age("10.0.1.1", dt.timedelta(days=30))
    age("10.0.1.2", dt.timedelta(days=91))

    settings.AXES_COOLOFF_TIME = None  # locks until reset: only the retention limits them
    settings.IP_LOG_RETENTION_DAYS = 90
    assert _run(*AXES_RULES) == {"axes_attempts": 1, "axes_logs": 0, "axes_failure_logs": 0}
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        ip_pseudonym("10.0.1.1")
    ]

    settings.AXES_COOLOFF_TIME = dt.timedelta(days=365)
    settings.IP_LOG_RETENTION_DAYS = 7
    assert _run(*AXES_RULES) == {"axes_attempts": 1, "axes_logs": 0, "axes_failure_logs": 0}
    assert AccessAttempt.objects.count() == 0


def test_purge_never_lifts_a_current_lock(settings, user):
    settings.IP_LOG_RETENTION_DAYS = 90
    client = Client(REMOTE_ADDR="10.0.2.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _web_password(client, "bad-bad-bad")
    assert _web_password(client, PASSWORD).status_code == 429
    before = list(AccessAttempt.objects.values_list("pk", "failures_since_start", "attempt_time"))

    assert _run(*AXES_RULES) == {"axes_attempts": 0, "axes_logs": 0, "axes_failure_logs": 0}

    after = list(AccessAttempt.objects.values_list("pk", "failures_since_start", "attempt_time"))
    assert after == before
    assert _web_password(client, PASSWORD).status_code == 429


def test_old_log_rows_from_before_are_purged_by_retention(settings, user):
    settings.IP_LOG_RETENTION_DAYS = 90
    common = {"user_agent": "ua", "ip_address": "10.0.3.1", "http_accept": "*/*", "path_info": "/"}
    old_log = AccessLog.objects.create(username="x", **common)
    new_log = AccessLog.objects.create(username="y", **common)
    old_failure = AccessFailureLog.objects.create(username="x", **common)
    long_ago = timezone.now() - dt.timedelta(days=91)
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=long_ago)
    AccessFailureLog.objects.filter(pk=old_failure.pk).update(attempt_time=long_ago)

    assert _run(*AXES_RULES) == {"axes_attempts": 0, "axes_logs": 1, "axes_failure_logs": 1}
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new_log.pk]
    assert AccessFailureLog.objects.count() == 0


def test_hourly_retention_task_purges_axes_attempts(settings, user):
    settings.IP_LOG_RETENTION_DAYS = 90
    fail_from("10.0.4.1")
    fail_from("10.0.4.2")
    age("10.0.4.2", dt.timedelta(hours=1))

    result = task_queue(RUN_RETENTION).get()

    assert result["axes_attempts"] == 1
    assert result["axes_logs"] == 0 and result["axes_failure_logs"] == 0
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [
        ip_pseudonym("10.0.4.1")
    ]
    # Scheduled through the one retention engine (privacy/retention.py "axes_attempts").
    schedule = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert schedule["task"] == RUN_RETENTION
    assert schedule["schedule"] <= 3600


# --- sessions (from accounts/tests/test_sessions.py) --------------------------------------


def test_ended_sessions_are_purged_after_the_ip_retention(user, settings):
    old = timezone.now() - dt.timedelta(days=settings.IP_LOG_RETENTION_DAYS + 1)
    ended = UserSession.objects.create(
        user=user, kind="web", session_key="a" * 32, ip="1.2.3.4", revoked_at=old
    )
    UserSession.objects.filter(pk=ended.pk).update(last_seen_at=old)
    live = UserSession.objects.create(
        user=user,
        kind="app",
        refresh_hash="b" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert task_queue(RUN_RETENTION).get()["user_sessions"] == 1
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]


# --- order receivers (from orders/tests/test_retention.py) --------------------------------


def _delivered(receiver: Receiver, staff) -> Order:
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer, receiver=receiver)
    order_mark_paid(order_id=order.pk, payment_id=order.pk + 70_000)
    order_start_processing(order=order, actor=staff)
    order_mark_shipped(order=order, actor=staff, tracking_code="T1")
    return order_mark_delivered(order=order, actor=staff)


@pytest.mark.usefixtures("shop")
def test_another_persons_details_are_erased_after_retention_only(settings, client):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 30
    staff = make_customer(is_staff=True)
    other = _delivered(
        Receiver(is_self=False, first_name="مینا", last_name="رضایی", mobile="09351234567"),
        staff,
    )
    mine = _delivered(Receiver(is_self=True), staff)
    rule = RULES_BY_KEY["order_receivers"]

    assert rule_run(rule, now=timezone.now() + dt.timedelta(days=29)).count == 0
    later = timezone.now() + dt.timedelta(days=31)
    assert rule_run(rule, now=later).count == 1
    assert rule_run(rule, now=later).count == 0  # once only

    other.refresh_from_db()
    assert other.receiver_erased_at is not None
    assert (other.receiver_first_name, other.receiver_mobile, other.street, other.postal_code) == (
        "",
        "",
        "",
        "",
    )
    assert other.province and other.city  # coarse location stays for statistics
    mine.refresh_from_db()
    assert mine.receiver_erased_at is None and mine.street
    assert AuditEvent.objects.filter(action="orders.receiver_erased").count() == 1

    client.force_login(other.user)
    page = client.get(f"/orders/{other.number}/").content.decode()
    assert "حذف شد" in page and "مینا" not in page


# --- checkout drafts (from checkout/tests/test_retention.py) ------------------------------


def _draft_touched_days_ago(days: int, **fields) -> CheckoutDraft:
    draft = checkout_draft_get(user=make_customer())
    CheckoutDraft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days), **fields
    )
    return draft


def test_drafts_past_retention_are_deleted_and_recent_ones_kept(settings):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 30
    old = _draft_touched_days_ago(
        31, receiver_is_self=False, receiver_first_name="مینا", receiver_mobile="09351234567"
    )
    recent = _draft_touched_days_ago(29)
    rule = RULES_BY_KEY["checkout_drafts"]

    assert rule_run(rule, now=timezone.now()).count == 1

    assert not CheckoutDraft.objects.filter(pk=old.pk).exists()
    assert CheckoutDraft.objects.filter(pk=recent.pk).exists()
    assert rule_run(rule, now=timezone.now()).count == 0


def test_the_scheduled_job_deletes_old_drafts(settings):
    _draft_touched_days_ago(settings.ORDER_RECEIVER_RETENTION_DAYS + 1)
    kept = _draft_touched_days_ago(1)

    assert task_queue(RUN_RETENTION).get()["checkout_drafts"] == 1

    assert list(CheckoutDraft.objects.values_list("pk", flat=True)) == [kept.pk]
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert RUN_RETENTION in schedule
