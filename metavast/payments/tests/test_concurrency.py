"""Concurrency proofs on PostgreSQL: real threads, each with its own connection, and real
HTTP to the fake Zarinpal."""

from __future__ import annotations

import pytest
from django.db import connection

from metavast.catalog.models import Variant
from metavast.core.testing import run_concurrently
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import Order, OrderStatus
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.services import payment_verify
from metavast.payments.tests.conftest import callback, start_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_replays_of_one_paid_callback(order, customer, variant, fake_zarinpal):
    assert connection.vendor == "postgresql"
    _, payment = start_payment(customer, order)
    fake_zarinpal.pay(payment.authority)
    stock_before = Variant.objects.values_list("on_hand", "reserved").get(pk=variant.pk)

    results = run_concurrently(
        [lambda i=i: callback(payment, method="post" if i % 2 else "get") for i in range(20)]
    )

    assert [exc for _, exc in results if exc] == []
    assert {response.status_code for response, _ in results} == {200}
    assert all("پرداخت با موفقیت انجام شد" in r.content.decode() for r, _ in results)
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.PAID and order.paid_payment_id == payment.pk
    assert Payment.objects.filter(order=order).count() == 1
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == 1
    on_hand, reserved = Variant.objects.values_list("on_hand", "reserved").get(pk=variant.pk)
    assert (on_hand, reserved) == (stock_before[0] - 1, stock_before[1] - 1)  # committed once
    paid_messages = OutboxMessage.objects.filter(template="orders/paid")
    assert paid_messages.count() == 2  # one notification: its email and its SMS
    assert set(paid_messages.values_list("channel", flat=True)) == {"email", "sms"}
    assert len(fake_zarinpal.calls("verify")) == 1  # the others waited on the row lock


def test_two_paid_attempts_of_one_order_at_once_pay_it_once(
    order, customer, variant, fake_zarinpal
):
    _, first = start_payment(customer, order)
    callback(first, "NOK")
    _, second = start_payment(customer, order)
    fake_zarinpal.pay(first.authority)
    fake_zarinpal.pay(second.authority)

    results = run_concurrently(
        [lambda p=p: payment_verify(payment_id=p.pk, source="reconcile") for p in (first, second)]
    )

    assert [exc for _, exc in results if exc] == []
    statuses = sorted(Payment.objects.values_list("status", flat=True))
    assert statuses == [PaymentStatus.PAID, PaymentStatus.REFUND_DUE]
    order = Order.objects.get(pk=order.pk)
    paid = Payment.objects.get(status=PaymentStatus.PAID)
    assert order.status == OrderStatus.PAID and order.paid_payment_id == paid.pk
    assert OutboxMessage.objects.filter(template="orders/paid").count() == 2
    assert OutboxMessage.objects.filter(template="payments/refund_due").count() == 2
    assert Variant.objects.values_list("reserved", flat=True).get(pk=variant.pk) == 0
