"""P4: another person's details are erased once the order's retention period has passed."""

import datetime as dt

import pytest
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.orders.models import Order
from metavast.orders.services import (
    Receiver,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
    order_start_processing,
)
from metavast.orders.services.retention import orders_erase_receivers
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def _delivered(receiver: Receiver, staff) -> Order:
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer, receiver=receiver)
    order_mark_paid(order_id=order.pk, payment_id=order.pk + 70_000)
    order_start_processing(order=order, actor=staff)
    order_mark_shipped(order=order, actor=staff, tracking_code="T1")
    return order_mark_delivered(order=order, actor=staff)


def test_another_persons_details_are_erased_after_retention_only(shop, settings, client):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 30
    staff = make_customer(is_staff=True)
    other = _delivered(
        Receiver(is_self=False, first_name="مینا", last_name="رضایی", mobile="09351234567"),
        staff,
    )
    mine = _delivered(Receiver(is_self=True), staff)

    assert orders_erase_receivers(now=timezone.now() + dt.timedelta(days=29)) == 0
    later = timezone.now() + dt.timedelta(days=31)
    assert orders_erase_receivers(now=later) == 1
    assert orders_erase_receivers(now=later) == 0  # once only

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
