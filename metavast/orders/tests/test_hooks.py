"""Orders reaches the apps above it only through the slots they fill at start-up (hooks.py):
checkout's delivery rules, and status follow-ups such as invoices'."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from metavast.checkout.shipping import DELIVERY_RULES
from metavast.invoices.models import Invoice
from metavast.invoices.services import order_status_followed
from metavast.orders import hooks
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services import order_cancel, order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def test_higher_apps_fill_the_slots_at_start_up():
    assert hooks.delivery_rules() is DELIVERY_RULES
    assert order_status_followed in hooks._status_follow_ups


def test_vat_is_the_orders_own_sum_rounded_half_up():
    assert hooks.vat_amount(4_250_000, 1000) == 425_000
    assert hooks.vat_amount(5, 1000) == 1  # 0.5 Rial rounds up
    assert hooks.vat_amount(4, 1000) == 0


def test_follow_ups_run_after_commit_each_on_its_own(
    shop, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    seen = []

    def broken(*, order_id, status):
        raise RuntimeError("follow-up down")

    def recording(*, order_id, status):
        seen.append((order_id, status, Order.objects.get(pk=order_id).status))

    monkeypatch.setattr(hooks, "_status_follow_ups", [])
    hooks.status_follow_up_register(broken)
    hooks.status_follow_up_register(recording)
    hooks.status_follow_up_register(recording)  # once only
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer)

    with (
        caplog.at_level(logging.ERROR, logger="metavast.orders.hooks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        order_mark_paid(order_id=order.pk, payment_id=order.pk + 50_000)
        assert seen == []  # not before the change commits

    assert seen == [(order.pk, "paid", "paid")]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID  # the change stands
    assert any("follow-up failed" in r.getMessage() for r in caplog.records)


def test_follow_ups_do_not_run_when_the_change_rolls_back(
    shop, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    monkeypatch.setattr(hooks, "_status_follow_ups", [lambda **kw: seen.append(kw)])
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        order_cancel(order=order, actor=buyer, reason="customer")
        raise RuntimeError("rolled back")

    assert seen == []
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT


def test_invoices_follow_a_paid_order_through_the_registry(
    shop, django_capture_on_commit_callbacks
):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer)
    assert not Invoice.objects.filter(order=order).exists()

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, payment_id=order.pk + 60_000)

    assert Invoice.objects.filter(order=order).count() == 1
