"""The one retention engine: every rule removes exactly the old rows, in chunks, audited.

Time is frozen by passing `now=` into the engine: rows are written at the real present and
the engine is run at a chosen moment after it, just inside or just past each period.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import current_app
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metavast.accounts.models import CodePurpose, OneTimeCode, UserSession
from metavast.audit.labels import ACTION_LABELS
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record, audit_seal, audit_verify
from metavast.cart.models import Cart
from metavast.catalog.models import ZeroResultQuery
from metavast.checkout.models import CheckoutDraft
from metavast.core import context
from metavast.legal.models import LegalHold
from metavast.notifications.models import OutboxMessage
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
from metavast.privacy import registry
from metavast.privacy.retention import (
    AUDIT_ACTION,
    RULES,
    RULES_BY_KEY,
    retention_run,
    rule_run,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _run(*keys: str, now: dt.datetime, batch_size: int = 500, dry_run: bool = False) -> dict:
    rules = tuple(RULES_BY_KEY[key] for key in keys)
    return retention_run(now=now, rules=rules, batch_size=batch_size, dry_run=dry_run).counts


def _after(days: int | float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def _hold(*, staff, subject_type: str = "", subject_id="", user_id=None) -> LegalHold:
    return LegalHold.objects.create(
        subject_type=subject_type or "accounts.user",
        subject_id=str(subject_id or user_id),
        user_id=user_id,
        reason="دستور قضایی برای پرونده",
        placed_by=staff,
    )


# --- IPs and user agents ---------------------------------------------------------------


def test_audit_ips_are_redacted_after_retention_and_the_seal_still_verifies(settings):
    settings.IP_LOG_RETENTION_DAYS = 90
    token = context.set_current(context.RequestContext(ip="5.6.7.8", user_agent="UA/1"))
    try:
        event = audit_record(action="x.y", subject_type="thing", subject_id=1)
    finally:
        context.reset(token)
    audit_seal()

    assert _run("audit_ip", now=_after(89)) == {"audit_ip": 0}
    event.refresh_from_db()
    assert (event.client_ip, event.user_agent) == ("5.6.7.8", "UA/1")

    assert _run("audit_ip", now=_after(91)) == {"audit_ip": 1}
    event.refresh_from_db()
    assert (event.client_ip, event.user_agent, event.action) == (None, "", "x.y")
    assert audit_verify().first_bad_id is None
    assert _run("audit_ip", now=_after(91)) == {"audit_ip": 0}  # once only


def test_review_question_and_answer_ips_are_redacted_unless_held(settings):
    from metavast.reviews.models import Answer, Question, Review

    settings.IP_LOG_RETENTION_DAYS = 90
    product = make_variant().product
    author, staff = make_customer(), make_customer(is_staff=True)
    ip = {"posted_ip": "9.9.9.9", "posted_user_agent": "UA/2"}
    old, young, held = (
        Review.objects.create(
            product=product, author=make_customer(), rating=5, title="t", body="b", **ip
        )
        for _ in range(3)
    )
    Review.objects.filter(pk__in=[old.pk, held.pk]).update(created_at=timezone.now() - 91 * DAY)
    question = Question.objects.create(product=product, author=author, body="?", **ip)
    answer = Answer.objects.create(question=question, author=author, body="!", **ip)
    _hold(staff=staff, subject_type="reviews.review", subject_id=held.pk)

    counts = _run("review_ip", "question_ip", "answer_ip", now=timezone.now())
    assert counts == {"review_ip": 1, "question_ip": 0, "answer_ip": 0}
    for review, expected in (
        (old, ("", "")),
        (young, ("9.9.9.9", "UA/2")),
        (held, ("9.9.9.9", "UA/2")),
    ):
        review.refresh_from_db()
        assert (review.posted_ip, review.posted_user_agent) == expected, review.pk
    assert review.body == "b"  # the review itself stays

    counts = _run("question_ip", "answer_ip", now=_after(91))
    assert counts == {"question_ip": 1, "answer_ip": 1}
    question.refresh_from_db()
    answer.refresh_from_db()
    assert (question.posted_ip, answer.posted_user_agent, answer.body) == ("", "", "!")


# --- sessions, tokens, codes, axes -----------------------------------------------------


def test_ended_sessions_and_expired_app_tokens_go_live_ones_stay(settings):
    settings.IP_LOG_RETENTION_DAYS = 90
    user = make_customer()
    ended = UserSession.objects.create(
        user=user, kind="web", session_key="a" * 32, ip="1.2.3.4", revoked_at=timezone.now()
    )
    expired_app = UserSession.objects.create(
        user=user, kind="app", refresh_hash="c" * 64, expires_at=timezone.now() + DAY
    )
    live_app = UserSession.objects.create(
        user=user, kind="app", refresh_hash="b" * 64, expires_at=_after(365)
    )

    assert _run("user_sessions", now=_after(89)) == {"user_sessions": 0}
    assert _run("user_sessions", now=_after(91)) == {"user_sessions": 2}
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live_app.pk]
    assert not UserSession.objects.filter(pk__in=[ended.pk, expired_app.pk]).exists()


def test_expired_django_sessions_go_at_expiry():
    now = timezone.now()
    Session.objects.create(session_key="old" + "x" * 29, session_data="e30=", expire_date=now)
    young = Session.objects.create(
        session_key="new" + "x" * 29, session_data="e30=", expire_date=now + 2 * DAY
    )

    assert _run("django_sessions", now=now + DAY) == {"django_sessions": 1}
    assert list(Session.objects.values_list("pk", flat=True)) == [young.pk]


def test_one_time_codes_go_a_day_after_expiry(settings):
    settings.OTP_CODE_RETENTION_DAYS = 1
    now = timezone.now()
    common = {"purpose": CodePurpose.RESET, "code_hash": "h" * 64, "mobile_index": "i" * 64}
    old = OneTimeCode.objects.create(expires_at=now - 2 * DAY, **common)
    young = OneTimeCode.objects.create(expires_at=now - dt.timedelta(hours=12), **common)

    assert _run("one_time_codes", now=now) == {"one_time_codes": 1}
    assert list(OneTimeCode.objects.values_list("pk", flat=True)) == [young.pk]
    assert old.pk != young.pk


def test_axes_attempts_go_after_the_cool_off_and_logs_after_ip_retention(settings):
    settings.AXES_COOLOFF_TIME = 0.25
    settings.IP_LOG_RETENTION_DAYS = 90
    common = {"user_agent": "ua", "http_accept": "*/*", "path_info": "/", "username": "u"}
    AccessAttempt.objects.create(
        ip_address="10.0.0.1", get_data="", post_data="", failures_since_start=1, **common
    )
    AccessLog.objects.create(ip_address="10.0.0.2", **common)
    AccessFailureLog.objects.create(ip_address="10.0.0.3", **common)

    quarter_hour_later = timezone.now() + dt.timedelta(minutes=10)
    counts = _run("axes_attempts", "axes_logs", "axes_failure_logs", now=quarter_hour_later)
    assert counts == {"axes_attempts": 0, "axes_logs": 0, "axes_failure_logs": 0}

    counts = _run("axes_attempts", "axes_logs", now=timezone.now() + dt.timedelta(minutes=16))
    assert counts == {"axes_attempts": 1, "axes_logs": 0}

    counts = _run("axes_logs", "axes_failure_logs", now=_after(91))
    assert counts == {"axes_logs": 1, "axes_failure_logs": 1}
    assert not AccessAttempt.objects.exists() and not AccessLog.objects.exists()


# --- messages ----------------------------------------------------------------------------


def _message(status: str, **extra) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel="sms",
        purpose="account",
        address="+989121234567",
        template="orders/paid",
        subject="پرداخت سفارش ۱۲۳ تأیید شد",
        body="سفارش شما پرداخت شد",
        provider_token="123456",
        status=status,
        next_attempt_at=timezone.now(),
        **extra,
    )


def test_outbox_bodies_are_redacted_then_rows_deleted(settings):
    settings.NOTIFICATIONS_BODY_RETENTION_DAYS = 30
    settings.NOTIFICATIONS_ROW_RETENTION_DAYS = 180
    sent = _message("sent")
    pending = _message("pending")

    assert _run("outbox", "outbox_rows", now=_after(29)) == {"outbox": 0, "outbox_rows": 0}

    assert _run("outbox", "outbox_rows", now=_after(31)) == {"outbox": 1, "outbox_rows": 0}
    sent.refresh_from_db()
    assert (sent.address, sent.subject, sent.body, sent.provider_token) == ("", "", "", "")
    assert (sent.template, sent.status) == ("orders/paid", "sent")
    pending.refresh_from_db()
    assert pending.body == "سفارش شما پرداخت شد"  # still to be sent: untouched
    assert _run("outbox", now=_after(31)) == {"outbox": 0}  # once only

    assert _run("outbox", "outbox_rows", now=_after(181)) == {"outbox": 0, "outbox_rows": 1}
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [pending.pk]


# --- shopping ----------------------------------------------------------------------------


def test_guest_carts_go_after_the_ttl_customer_carts_stay(settings):
    settings.CART_GUEST_TTL_DAYS = 30
    guest = Cart.objects.create(token=uuid.uuid4().hex)
    customer = Cart.objects.create(user=make_customer())

    assert _run("guest_carts", now=_after(29)) == {"guest_carts": 0}
    assert _run("guest_carts", now=_after(31)) == {"guest_carts": 1}
    assert list(Cart.objects.values_list("pk", flat=True)) == [customer.pk]
    assert guest.pk != customer.pk


def test_abandoned_checkout_drafts_go_after_the_receiver_period(settings):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 90
    draft = CheckoutDraft.objects.create(
        user=make_customer(), receiver_is_self=False, receiver_first_name="مینا"
    )
    assert _run("checkout_drafts", now=_after(89)) == {"checkout_drafts": 0}
    assert _run("checkout_drafts", now=_after(91)) == {"checkout_drafts": 1}
    assert not CheckoutDraft.objects.filter(pk=draft.pk).exists()


def _delivered(receiver: Receiver, staff) -> Order:
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer, receiver=receiver)
    order_mark_paid(order_id=order.pk, payment_id=order.pk + 90_000)
    order_start_processing(order=order, actor=staff)
    order_mark_shipped(order=order, actor=staff, tracking_code="T1")
    return order_mark_delivered(order=order, actor=staff)


@pytest.mark.usefixtures("shop")
def test_order_receivers_are_anonymised_once_and_held_orders_survive(settings):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 30
    staff = make_customer(is_staff=True)
    other = Receiver(is_self=False, first_name="مینا", last_name="رضایی", mobile="09351234567")
    erased = _delivered(other, staff)
    held = _delivered(other, staff)
    mine = _delivered(Receiver(is_self=True), staff)
    _hold(staff=staff, subject_type="orders.order", subject_id=held.pk)

    assert _run("order_receivers", now=_after(29)) == {"order_receivers": 0}
    run = retention_run(now=_after(31), rules=(RULES_BY_KEY["order_receivers"],))
    assert run.counts == {"order_receivers": 1}
    assert run.rules[0].held == 1
    assert _run("order_receivers", now=_after(31)) == {"order_receivers": 0}  # once only

    erased.refresh_from_db()
    assert erased.receiver_erased_at is not None
    assert (erased.receiver_first_name, erased.receiver_mobile, erased.street) == ("", "", "")
    assert erased.province and erased.city
    held.refresh_from_db()
    assert held.receiver_erased_at is None and held.receiver_first_name == "مینا"
    mine.refresh_from_db()
    assert mine.receiver_erased_at is None and mine.street
    assert list(
        AuditEvent.objects.filter(action="orders.receiver_erased").values_list(
            "subject_type", "subject_id"
        )
    ) == [("orders.order", str(erased.pk))]


# --- search statistics and chunking --------------------------------------------------------


def _misses(n: int, *, last_seen: dt.date | None = None) -> list[ZeroResultQuery]:
    day = last_seen or timezone.localdate()
    return [
        ZeroResultQuery.objects.create(query=f"q{i}", count=i + 1, first_seen=day, last_seen=day)
        for i in range(n)
    ]


def test_zero_result_rows_beyond_the_cap_go_in_chunks_of_the_batch_size(settings):
    settings.CATALOG_ZERO_RESULT_CAP = 0
    _misses(5)
    with CaptureQueriesContext(connection) as queries:
        counts = _run("zero_result_cap", now=timezone.now(), batch_size=2)
    assert counts == {"zero_result_cap": 5}
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1, each in its own transaction
    assert not ZeroResultQuery.objects.exists()


def test_zero_result_cap_keeps_the_most_searched(settings):
    settings.CATALOG_ZERO_RESULT_CAP = 2
    _misses(5)
    assert _run("zero_result_cap", now=timezone.now()) == {"zero_result_cap": 3}
    assert sorted(ZeroResultQuery.objects.values_list("query", flat=True)) == ["q3", "q4"]


def test_zero_result_rows_not_seen_for_a_year_go(settings):
    settings.CATALOG_ZERO_RESULT_RETENTION_DAYS = 365
    (old,) = _misses(1, last_seen=timezone.localdate() - dt.timedelta(days=366))
    young = ZeroResultQuery.objects.create(
        query="fresh", count=1, first_seen=timezone.localdate(), last_seen=timezone.localdate()
    )
    assert _run("zero_result_stale", now=timezone.now()) == {"zero_result_stale": 1}
    assert list(ZeroResultQuery.objects.values_list("pk", flat=True)) == [young.pk]
    assert old.pk != young.pk


# --- holds, dry run, the audit summary ------------------------------------------------------


def test_rows_of_an_account_under_legal_hold_survive(settings):
    settings.IP_LOG_RETENTION_DAYS = 90
    staff = make_customer(is_staff=True)
    held_user, free_user = make_customer(), make_customer()
    for n, user in enumerate((held_user, free_user)):
        UserSession.objects.create(
            user=user, kind="web", session_key=f"{n}" * 32, revoked_at=timezone.now()
        )
    _hold(staff=staff, user_id=held_user.pk)

    run = retention_run(now=_after(91), rules=(RULES_BY_KEY["user_sessions"],))
    assert run.counts == {"user_sessions": 1}
    assert run.rules[0].held == 1
    assert list(UserSession.objects.values_list("user_id", flat=True)) == [held_user.pk]

    LegalHold.objects.update(released_at=timezone.now(), released_by=staff)
    assert _run("user_sessions", now=_after(91)) == {"user_sessions": 1}


def test_the_dry_run_counts_and_changes_nothing(settings):
    settings.CART_GUEST_TTL_DAYS = 30
    settings.NOTIFICATIONS_BODY_RETENTION_DAYS = 30
    Cart.objects.create(token=uuid.uuid4().hex)
    message = _message("sent")
    audit_before = AuditEvent.objects.count()

    run = retention_run(now=_after(31), dry_run=True)

    assert run.counts["guest_carts"] == 1 and run.counts["outbox"] == 1
    assert Cart.objects.count() == 1
    message.refresh_from_db()
    assert message.body == "سفارش شما پرداخت شد"
    assert AuditEvent.objects.count() == audit_before


def test_the_command_dry_run_prints_each_rule_and_changes_nothing(settings):
    settings.CART_GUEST_TTL_DAYS = 30
    Cart.objects.create(token=uuid.uuid4().hex)
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    for rule in RULES:
        assert rule.key in text
    assert "dry run: nothing changed" in text
    assert Cart.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


def test_one_audit_summary_per_run_with_counts_and_nothing_personal(settings):
    settings.CART_GUEST_TTL_DAYS = 30
    Cart.objects.create(token=uuid.uuid4().hex)

    retention_run(now=_after(31))

    (summary,) = AuditEvent.objects.filter(action=AUDIT_ACTION)
    assert summary.after["counts"]["guest_carts"] == 1
    assert set(summary.after["counts"]) == set(RULES_BY_KEY)
    assert summary.after["total"] == sum(summary.after["counts"].values())
    assert AUDIT_ACTION in ACTION_LABELS

    retention_run(now=_after(31))
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 2


def test_the_scheduled_task_runs_the_engine(settings):
    from metavast.privacy.tasks import run_retention

    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == "metavast.privacy.tasks.run_retention"
    tasks = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    current_app.loader.import_default_modules()
    # The separate jobs it replaced are neither scheduled nor defined any more.
    for old in (
        "metavast.audit.tasks.redact_audit_ips",
        "metavast.accounts.tasks.purge_expired_sessions_and_codes",
        "metavast.orders.tasks.erase_old_receivers",
        "metavast.checkout.tasks.erase_old_drafts",
        "metavast.cart.tasks.purge_stale_carts",
    ):
        assert old not in tasks
        assert old not in current_app.tasks
    assert set(run_retention()) == set(RULES_BY_KEY)
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 1


def test_rule_run_is_usable_on_its_own():
    result = rule_run(RULES_BY_KEY["guest_carts"], now=timezone.now(), dry_run=True)
    assert (result.key, result.count, result.held) == ("guest_carts", 0, 0)


# --- the text the customer reads, and coverage -----------------------------------------------


def test_every_rule_describes_itself_in_persian_with_its_period(settings):
    settings.IP_LOG_RETENTION_DAYS = 90
    for rule in RULES:
        sentence = rule.describe_fa()
        assert "{" not in sentence and re.search("[\u0600-\u06ff]", sentence), rule.key
        assert not re.search(r"[0-9]", sentence), (rule.key, sentence)  # Persian digits only
    assert "۹۰ روز" in RULES_BY_KEY["audit_ip"].describe_fa()
    settings.IP_LOG_RETENTION_DAYS = 30
    assert "۳۰ روز" in RULES_BY_KEY["audit_ip"].describe_fa()  # read from settings each time
    settings.NOTIFICATIONS_BODY_RETENTION_DAYS = 30
    settings.NOTIFICATIONS_ROW_RETENTION_DAYS = 180
    outbox = RULES_BY_KEY["outbox"].describe_fa()
    assert "۳۰ روز" in outbox and "۱۸۰ روز" in outbox
    settings.AXES_COOLOFF_TIME = 0.25
    assert "۱۵ دقیقه" in RULES_BY_KEY["axes_attempts"].describe_fa()
    settings.CATALOG_ZERO_RESULT_CAP = 2000
    assert "۲۰۰۰" in RULES_BY_KEY["zero_result_cap"].describe_fa()


def test_the_registry_names_only_rules_that_exist():
    keys = {entry.retention.rule for entry in registry.FIELDS if entry.retention.rule}
    assert keys <= set(RULES_BY_KEY), keys - set(RULES_BY_KEY)


# What is not in any rule, on purpose. Each model with personal data is either swept by a rule
# or listed here with the reason it is kept.
KEPT: dict[str, str] = {
    "accounts.User": "the account itself: kept while open, anonymised by erasure (item 4)",
    "accounts.Address": "the customer's address book: the account's lifetime, gone on erasure",
    "legal.LegalHold": "a legal record: lives as long as the hold and its proof",
    "legal.DisclosureRequest": "a legal record; its package has its own expiry job",
    "reviews.HeldEvidence": "evidence under a legal hold; reviews purge it when the hold lifts",
    "marketing.Campaign": "its 'name' is staff's label for a campaign, not a person",
}
PERSONAL_LOOKING = re.compile(r"(?:^|_)ip(?:_|$)|user_agent|email|mobile|name|address|street")


def test_every_model_with_personal_looking_fields_is_swept_or_kept_with_a_reason():
    swept = {rule.model_label for rule in RULES}
    not_personal = set(registry.NOT_PERSONAL)
    missing = sorted(
        {
            key.rsplit(".", 1)[0]
            for key in registry.personal_looking_fields()
            if PERSONAL_LOOKING.search(key.rsplit(".", 1)[1]) and key not in not_personal
        }
        - swept
        - set(KEPT)
    )
    assert missing == [], f"add a retention rule or a KEPT reason for: {missing}"
    for label in KEPT:
        apps.get_model(label)  # a typo here would hide a model


def test_the_retention_note_lists_every_rule():
    from django.conf import settings

    note = (settings.BASE_DIR / "docs" / "retention.md").read_text()
    missing = [rule.key for rule in RULES if f"`{rule.key}`" not in note]
    assert missing == []
