"""Erase my account (issue 11, item 4): refusals, cancel, the grace period, what is left."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from metavast.accounts.models import Address, OneTimeCode, User, UserSession
from metavast.accounts.services.auth import signin_code_request, signin_with_code
from metavast.audit.models import AuditEvent
from metavast.cart.models import Cart
from metavast.invoices.models import Invoice
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.legal.holds import hold_place, hold_release
from metavast.legal.tests.factories import OFFICER_PERMISSIONS, make_officer
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import (
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,  # noqa: F401  (fixture)
)
from metavast.privacy.models import DataCopy, ErasureRequest, ErasureStatus
from metavast.privacy.services import erasure
from metavast.privacy.services import export as export_service
from metavast.privacy.services.errors import (
    ErasureAlreadyRequested,
    ErasureLegalHold,
    ErasureNotPending,
    ErasureOpenOrder,
)
from metavast.privacy.tests._a2 import app_session, other_receiver_address, signin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]


def _close(order, status=OrderStatus.DELIVERED):
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(status=status, delivered_at=now, cancelled_at=now)


def _customer_with_invoice():
    user = make_customer(first_name="نسرین", last_name="افشار")
    user.national_code = "0012345679"
    user.landline = "+982188776655"
    user.save()
    order = paid_order(user)
    invoice = invoice_issue_for_order(order_id=order.pk)
    _close(order)
    other_receiver_address(user, street="کوچهٔ اقاقیا", last="زندی", postal_code="1398765432")
    fill_cart(user, (make_variant(), 1))
    app_session(user)
    return user, order, invoice


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.AWAITING_INFO,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
    ],
)
def test_refused_while_an_order_is_open(status):
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(ErasureOpenOrder) as caught:
        erasure.erasure_request(user=user)
    assert "سفارشی از شما باز است" in str(caught.value.message)
    assert not ErasureRequest.objects.exists()
    refused = AuditEvent.objects.get(action="privacy.erasure_refused")
    assert refused.after == {"reason": "privacy_erasure_open_order"}


def test_refused_under_a_legal_hold_until_it_is_lifted():
    user = make_customer()
    officer = make_officer(permissions=(*OFFICER_PERMISSIONS, "add_legalhold", "release_legalhold"))
    hold = hold_place(
        subject_type="accounts.user",
        subject_id=user.pk,
        user_id=user.pk,
        actor=officer,
        reason="دستور قضایی شمارهٔ ۱۴۰۵/۱۲",
    )
    with pytest.raises(ErasureLegalHold) as caught:
        erasure.erasure_request(user=user)
    assert "نگهداری قانونی" in str(caught.value.message)
    assert not ErasureRequest.objects.exists()
    hold_release(hold_id=hold.pk, actor=officer, reason="پایان پرونده به حکم دادگاه")
    assert erasure.erasure_request(user=user).status == ErasureStatus.PENDING


def test_request_waits_seven_days_and_can_be_cancelled():
    user = make_customer()
    start = timezone.now()
    request = erasure.erasure_request(user=user, now=start)
    assert request.due_at == start + dt.timedelta(days=7)
    with pytest.raises(ErasureAlreadyRequested):
        erasure.erasure_request(user=user, now=start)
    assert OutboxMessage.objects.filter(user=user, template="privacy/erase_requested").count() == 2

    assert erasure.erasures_run_due(now=start + dt.timedelta(days=7) - dt.timedelta(seconds=1)) == 0
    erasure.erasure_cancel(user=user, now=start + dt.timedelta(days=1))
    request.refresh_from_db()
    assert request.status == ErasureStatus.CANCELLED
    assert erasure.erasures_run_due(now=start + dt.timedelta(days=30)) == 0
    user.refresh_from_db()
    assert user.is_active and user.first_name == "سارا"
    with pytest.raises(ErasureNotPending):
        erasure.erasure_cancel(user=user)


def test_an_order_placed_during_the_grace_period_postpones_it():
    user = make_customer()
    start = timezone.now()
    request = erasure.erasure_request(user=user, now=start)
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    assert erasure.erasures_run_due(now=start + dt.timedelta(days=8)) == 0
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert request.last_blocked_reason == "privacy_erasure_open_order"
    _close(order, OrderStatus.CANCELLED)
    assert erasure.erasures_run_due(now=start + dt.timedelta(days=9)) == 1


def test_after_the_grace_period_nothing_identifies_them_and_the_invoice_remains(
    client,
    django_capture_on_commit_callbacks,
):
    user, order, invoice = _customer_with_invoice()
    bystander = make_customer(first_name="پرویز", last_name="ثابتی")
    signin(client, user)
    session_key = client.session.session_key
    UserSession.objects.create(user=user, kind="web", session_key=session_key, ip="198.51.100.7")
    old = {
        "email": user.email,
        "mobile": user.mobile,
        "national_code": user.national_code,
        "invoice_buyer": invoice.buyer_json,
        "invoice_total": invoice.total,
    }
    with django_capture_on_commit_callbacks(execute=True):
        copy = export_service.export_request(user=user, actor=user)
    copy.refresh_from_db()
    signin_code_request(mobile=user.mobile, ip=None)
    assert OneTimeCode.objects.filter(mobile_index=user.mobile_index).exists()

    start = timezone.now()
    erasure.erasure_request(user=user, now=start)
    with django_capture_on_commit_callbacks(execute=True):
        assert erasure.erasures_run_due(now=start + dt.timedelta(days=7, minutes=1)) == 1

    user = User.objects.get(pk=user.pk)
    assert user.is_active is False and not user.has_usable_password()
    for field in (
        "first_name",
        "last_name",
        "mobile",
        "mobile_pending",
        "email_pending",
        "landline",
        "national_code",
    ):
        assert getattr(user, field) == "", field
    assert user.email is None or user.email == ""
    assert user.mobile_index is None and user.national_code_index is None
    for index in ("email_index", "name_index"):
        if hasattr(user, index):
            assert getattr(user, index) in (None, ""), index
    assert User.objects.by_mobile(old["mobile"]).count() == 0
    assert User.objects.by_email(old["email"]).count() == 0
    assert User.objects.by_full_name("نسرین افشار").count() == 0

    assert not Address.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not Cart.objects.filter(user=user).exists()
    assert (
        not OneTimeCode.objects.filter(mobile_index__isnull=False)
        .exclude(mobile_index=bystander.mobile_index)
        .exists()
    )
    assert not DataCopy.objects.filter(user=user).exists()
    assert not OutboxMessage.objects.filter(user=user).exists()

    order.refresh_from_db()
    assert order.number and order.total and order.status == OrderStatus.DELIVERED
    for field in (
        "street",
        "plaque",
        "postal_code",
        "receiver_first_name",
        "receiver_last_name",
        "receiver_mobile",
    ):
        assert getattr(order, field) == "", field
    assert order.lines.count() == 2

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.buyer_json == old["invoice_buyer"] and invoice.total == old["invoice_total"]

    # The last message went to the contacts captured before, listing what was kept.
    last = OutboxMessage.objects.filter(template="privacy/erase_done")
    assert {m.address for m in last} == {old["email"], old["mobile"]}
    email = last.get(channel="email")
    assert email.user_id is None
    assert "فاکتورهای رسمی" in email.body and "۱۰ سال" in email.body

    # Audit rows of the flow carry no personal data.
    done = AuditEvent.objects.get(action="privacy.account_erased")
    assert done.after["addresses"] == 2 and done.after["orders"] == 1
    for event in AuditEvent.objects.filter(action__startswith="privacy."):
        text = repr([event.before, event.after])
        for value in (old["email"], old["mobile"], "نسرین", "افشار", "اقاقیا", "زندی"):
            assert value not in text

    # The bystander is untouched.
    bystander.refresh_from_db()
    assert bystander.first_name == "پرویز" and bystander.is_active

    # The old session is dead: the browser is signed out.
    assert client.get("/privacy/").status_code == 302


def test_signing_in_with_the_old_mobile_starts_a_new_empty_account(settings):
    user, _order, _invoice = _customer_with_invoice()
    mobile = user.mobile
    start = timezone.now()
    erasure.erasure_request(user=user, now=start)
    erasure.erasures_run_due(now=start + dt.timedelta(days=8))

    signin_code_request(mobile=mobile, ip=None)
    message = [
        m for m in OutboxMessage.objects.filter(template="accounts/otp_code") if m.address == mobile
    ][-1]
    import re

    code = re.search(r"\d{6}", message.body.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
    result = signin_with_code(mobile=mobile, code=code.group(0))
    assert result.created is True
    fresh = result.user
    assert fresh.pk != user.pk and fresh.is_active
    assert fresh.first_name == "" and fresh.email in (None, "")
    assert not Order.objects.filter(user=fresh).exists()
    assert not Address.objects.filter(user=fresh).exists()


def test_erase_pages_need_step_up_show_the_reason_and_cancel(client):
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    signin(client, user, fresh=False)
    assert "/accounts/verify/" in client.get("/privacy/erase/")["Location"]
    signin(client, user, fresh=True)
    page = client.get("/privacy/erase/").content.decode()
    assert "سفارشی از شما باز است" in page and 'data-testid="erase-request"' not in page
    response = client.post("/privacy/erase/", follow=True)
    assert "سفارشی از شما باز است" in response.content.decode()
    assert not ErasureRequest.objects.exists()

    _close(order)
    client.post("/privacy/erase/")
    assert ErasureRequest.objects.get().status == ErasureStatus.PENDING
    assert 'data-testid="erase-cancel"' in client.get("/privacy/erase/").content.decode()
    client.post("/privacy/erase/cancel/")
    assert ErasureRequest.objects.get().status == ErasureStatus.CANCELLED


def test_consent_history_keeps_the_proof_without_the_person():
    from metavast.consent.models import ConsentRecord

    user = make_customer()
    from axes.models import AccessLog

    record = ConsentRecord.objects.create(
        user=user, created_at=timezone.now(), policy_version="2026-1", granted=["analytics"]
    )
    AccessLog.objects.create(username=user.email, ip_address="192.0.2.4", user_agent="x")
    AccessLog.objects.create(username="someone@example.com", ip_address="192.0.2.5")
    start = timezone.now()
    erasure.erasure_request(user=user, now=start)
    assert erasure.erasures_run_due(now=start + dt.timedelta(days=8)) == 1
    record.refresh_from_db()
    assert record.user_id is None
    assert (record.policy_version, record.granted) == ("2026-1", ["analytics"])
    # Sign-in logs under their email are gone; someone else's stay.
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["someone@example.com"]


def test_api_asks_with_a_step_up_proof_and_cancels(client, django_capture_on_commit_callbacks):
    from metavast.accounts.services.tokens import app_session_start
    from metavast.orders.tests.factories import PASSWORD

    user = make_customer()
    access = app_session_start(user=user, method="password", user_agent="", ip=None).access
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    url = "/api/v1/privacy/me/erasure"

    refused = client.post(url, {}, content_type="application/json", **auth)
    assert refused.status_code == 403 and not ErasureRequest.objects.exists()
    asked = client.post(url, {"password": PASSWORD}, content_type="application/json", **auth)
    assert asked.status_code == 202 and asked.json()["pending"] is True
    assert client.get(url, **auth).json()["due_at"] is not None
    cancelled = client.delete(url, **auth)
    assert cancelled.status_code == 200 and cancelled.json()["pending"] is False
    assert ErasureRequest.objects.get().status == ErasureStatus.CANCELLED

    copies = "/api/v1/privacy/me/data-copies"
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(copies, {"password": PASSWORD}, content_type="application/json", **auth)
    assert made.status_code == 202 and made.json()["by_staff"] is False
    assert [c["status"] for c in client.get(copies, **auth).json()] == ["ready"]
    assert client.get(copies).status_code == 401
