"""The bank's return: verified once, with our amount, without the session; refusals logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.catalog.models import Variant
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services import orders_expire_due
from metavast.orders.tests.factories import make_customer
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.services import payment_verify, payments_reconcile
from metavast.payments.tests.conftest import (
    callback,
    outbox,
    place_order,
    rejections,
    start_payment,
)


@pytest.fixture
def started(order, customer, fake_zarinpal):
    _, payment = start_payment(customer, order)
    return payment


def _state(order, variant):
    order = Order.objects.get(pk=order.pk)
    stock = Variant.objects.values_list("on_hand", "reserved").get(pk=variant.pk)
    return order.status, order.paid_payment_id, stock


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_paid_callback_without_session_pays_the_order_once(
    started, order, variant, fake_zarinpal, method
):
    fake_zarinpal.pay(started.authority)
    response = callback(started, method=method)
    assert response.status_code == 200
    body = response.content.decode()
    assert "پرداخت با موفقیت انجام شد" in body
    assert f"/orders/{order.number}/" in body
    payment = Payment.objects.get(pk=started.pk)
    assert payment.status == PaymentStatus.PAID
    assert payment.card_pan == "502229******5995" and payment.ref_id
    assert _state(order, variant) == (OrderStatus.PAID, payment.pk, (4, 0))
    assert fake_zarinpal.calls("verify") == [
        {
            "merchant_id": fake_zarinpal.calls("request")[0]["merchant_id"],
            "amount": order.total,
            "authority": started.authority,
        }
    ]
    assert outbox("orders/paid") == 2  # email and SMS, once each
    assert "no-store" in response["Cache-Control"]


def test_replays_change_nothing_and_do_not_ask_the_bank_again(
    started, order, variant, fake_zarinpal
):
    fake_zarinpal.pay(started.authority)
    for _ in range(3):
        assert callback(started).status_code == 200
    assert callback(started, method="post").status_code == 200
    assert len(fake_zarinpal.calls("verify")) == 1
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == 1
    assert _state(order, variant)[2] == (4, 0)
    assert outbox("orders/paid") == 2


def test_cancel_at_the_bank_then_pay_again(started, order, customer, fake_zarinpal):
    response = callback(started, "NOK")
    assert "پرداخت لغو شد" in response.content.decode()
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.CANCELLED
    assert fake_zarinpal.calls("verify") == []
    _, second = start_payment(customer, order)
    assert second.pk != started.pk
    fake_zarinpal.pay(second.authority)
    callback(second)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_verify_failure_pays_nothing_and_is_logged(started, order, variant, fake_zarinpal):
    before = _state(order, variant)
    response = callback(started)  # "OK" in the URL, but the bank never took the money
    assert "پرداخت انجام نشد" in response.content.decode()
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.FAILED
    assert _state(order, variant) == before
    (event,) = rejections("verify_failed")
    assert event.subject_id == str(started.pk)
    assert outbox("orders/paid") == 0


def test_unknown_authority_is_refused_and_logged(started, order, variant, fake_zarinpal):
    fake_zarinpal.pay(started.authority)
    before = _state(order, variant)
    forged = Payment(order=order, gateway="zarinpal", authority="A" + "7" * 35)
    response = callback(forged)
    assert response.status_code == 400
    assert "قابل تأیید نیست" in response.content.decode()
    assert _state(order, variant) == before
    assert fake_zarinpal.calls("verify") == []
    (event,) = rejections("unknown_authority")
    assert event.after == {"reason": "unknown_authority", "gateway": "zarinpal"}
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.PENDING


def test_another_orders_authority_is_refused(started, order, variant, fake_zarinpal):
    """A cheap order's paid authority replayed against an expensive order's callback."""
    other_customer = make_customer()
    expensive = place_order(other_customer, variant)
    fake_zarinpal.pay(started.authority)
    before = (_state(order, variant), _state(expensive, variant))
    response = callback(started, order_number=expensive.number)
    assert response.status_code == 400
    assert (_state(order, variant), _state(expensive, variant)) == before
    assert fake_zarinpal.calls("verify") == []
    (event,) = rejections("order_mismatch")
    assert event.subject_id == str(started.pk)


def test_bank_charged_another_amount_is_refused(started, order, variant, fake_zarinpal):
    fake_zarinpal.pay(started.authority, charged=1000)  # the customer paid 1000 Rials
    before = _state(order, variant)
    callback(started)
    assert fake_zarinpal.calls("verify")[0]["amount"] == order.total  # ours, not theirs
    assert Payment.objects.get(pk=started.pk).last_error == "zarinpal_-50"
    assert _state(order, variant) == before
    assert rejections("verify_failed")


def test_an_order_total_changed_since_start_is_never_verified(
    started, order, variant, fake_zarinpal
):
    fake_zarinpal.pay(started.authority)
    Order.objects.filter(pk=order.pk).update(subtotal=order.subtotal + 10, total=order.total + 10)
    before = _state(order, variant)
    callback(started)
    assert fake_zarinpal.calls("verify") == []
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.FAILED
    assert _state(order, variant) == before
    assert rejections("amount_mismatch")


def test_verify_timeout_stays_pending_then_reconciliation_pays_once(
    started, order, variant, fake_zarinpal
):
    fake_zarinpal.pay(started.authority)
    fake_zarinpal.delay = 1.5  # longer than ZARINPAL_TIMEOUT = 1
    response = callback(started)
    assert "در حال بررسی پرداخت" in response.content.decode()
    payment = Payment.objects.get(pk=started.pk)
    assert payment.status == PaymentStatus.PENDING and payment.last_error == "zarinpal_timeout"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT

    # Too young for the periodic task by default; older than the threshold it is picked up.
    fake_zarinpal.delay = 0
    Payment.objects.filter(pk=payment.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=10)
    )
    report = payments_reconcile()
    assert report.paid == 1
    assert _state(order, variant) == (OrderStatus.PAID, payment.pk, (4, 0))
    # The timed-out verify did reach the bank: the second one is "already verified" (101).
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert payments_reconcile(older_than_seconds=0).checked == 0
    assert outbox("orders/paid") == 2


def test_gateway_5xx_on_verify_stays_pending(started, order, fake_zarinpal):
    fake_zarinpal.pay(started.authority)
    fake_zarinpal.fail_with = 502
    callback(started)
    payment = Payment.objects.get(pk=started.pk)
    assert payment.status == PaymentStatus.PENDING and payment.attempts == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT


def test_paid_after_expiry_and_stock_sold_is_flagged_for_refund(
    started, order, customer, variant, fake_zarinpal
):
    Variant.objects.filter(pk=variant.pk).update(on_hand=1, reserved=1)  # only this unit
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert orders_expire_due() == 1  # the expiry task releases the unit
    someone = make_customer()
    place_order(someone, variant)  # ...and another buyer takes it
    fake_zarinpal.pay(started.authority)  # the first customer pays late

    response = callback(started)
    body = response.content.decode()
    assert "دیگر قابل پرداخت نبود" in body
    payment = Payment.objects.get(pk=started.pk)
    assert payment.status == PaymentStatus.REFUND_DUE
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Variant.objects.values_list("on_hand", "reserved").get(pk=variant.pk) == (1, 1)
    assert outbox("payments/refund_due") == 2  # the customer is told by email and SMS
    assert AuditEvent.objects.filter(
        action="payments.refund_due", subject_id=str(payment.pk)
    ).exists()
    callback(started)  # a replay tells nobody twice
    assert outbox("payments/refund_due") == 2


def test_a_second_successful_attempt_becomes_refund_due(order, customer, variant, fake_zarinpal):
    _, first = start_payment(customer, order)
    callback(first, "NOK")
    _, second = start_payment(customer, order)
    fake_zarinpal.pay(first.authority)  # paid in a tab the customer had left open
    fake_zarinpal.pay(second.authority)
    callback(second)
    payment_verify(payment_id=first.pk, source="reconcile")  # the cancelled one, revived
    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: PaymentStatus.REFUND_DUE, second.pk: PaymentStatus.PAID}
    assert Order.objects.get(pk=order.pk).paid_payment_id == second.pk
    assert _state(order, variant)[2] == (4, 0)


def test_reconciliation_finds_payments_whose_customer_never_came_back(
    started, order, fake_zarinpal
):
    fake_zarinpal.pay(started.authority)  # paid, then the browser was closed
    report = payments_reconcile()  # too young for the age rule; Zarinpal's list finds it
    assert report.paid == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_reconciliation_fails_abandoned_attempts(started, order, fake_zarinpal):
    Payment.objects.filter(pk=started.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=10)
    )
    report = payments_reconcile()
    assert report.failed == 1
    assert Payment.objects.get(pk=started.pk).status == PaymentStatus.FAILED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT


def test_reconcile_task_runs_the_service(started, fake_zarinpal):
    from metavast.payments.tasks import reconcile_payments

    fake_zarinpal.pay(started.authority)
    assert reconcile_payments.delay().get()["paid"] == 1


def test_no_personal_data_in_payment_audit_events(started, fake_zarinpal, customer):
    fake_zarinpal.pay(started.authority)
    callback(started)
    text = str(
        list(AuditEvent.objects.filter(action__startswith="payments.").values("before", "after"))
    )
    assert customer.mobile[-7:] not in text and customer.email not in text
