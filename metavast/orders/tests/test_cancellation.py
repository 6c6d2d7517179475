"""Issue 15, item 5: cancelling needs a confirmation; a paid order's cancel is a request that
explains the refund and that staff approve or refuse (audited)."""

from __future__ import annotations

import pytest

from metavast.audit.models import AuditEvent
from metavast.core.money import format_toman
from metavast.invoices.tests.factories import paid_order
from metavast.notifications.models import OutboxMessage
from metavast.orders.errors import CancellationRequestNotPending, OrderNotCancellable
from metavast.orders.models import CancellationRequest, Order, OrderStatus
from metavast.orders.services import (
    cancellation_request_approve,
    cancellation_request_refuse,
    order_customer_cancel,
    order_mark_shipped,
    order_start_processing,
)
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


def _paid_with_card(user=None) -> Order:
    """A paid order whose Payment row exists, with the card the bank reported."""
    order = paid_order(user)
    payment = Payment.objects.create(
        order=order,
        gateway="sandbox",
        authority=f"auth-{order.pk}",
        amount=order.total,
        status=PaymentStatus.PAID,
        card_pan="603799******1234",
    )
    Order.objects.filter(pk=order.pk).update(paid_payment_id=payment.pk)
    order.refresh_from_db()
    return order


def _unpaid(user=None) -> Order:
    user = user or make_customer()
    fill_cart(user, (make_variant(price=3_000_000), 1))
    return place(user)


# --- the customer's side ----------------------------------------------------------------


def test_cancel_button_is_a_link_to_a_confirmation_page_not_a_one_tap_post(client, shop):
    order = _unpaid()
    client.force_login(order.user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'href="/orders/{order.number}/cancel/"' in page
    assert f'action="/orders/{order.number}/cancel/"' not in page

    confirm = client.get(f"/orders/{order.number}/cancel/")

    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "بله، سفارش لغو شود" in html and "نه، سفارش بماند" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT  # looking cancels nothing


def test_unpaid_order_cancels_after_confirmation(client, shop):
    order = _unpaid()
    client.force_login(order.user)

    response = client.post(f"/orders/{order.number}/cancel/")

    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.refund_due is False
    assert not CancellationRequest.objects.exists()


def test_paid_order_confirmation_explains_the_refund(client, shop):
    order = _paid_with_card()
    client.force_login(order.user)

    html = client.get(f"/orders/{order.number}/cancel/").content.decode()

    assert "درخواست لغو سفارش" in html
    assert format_toman(order.total) in html  # the amount, in Toman
    assert "۶۰۳۷۹۹******۱۲۳۴" in html  # the card paid with
    assert "تا ۳ روز کاری پس از تأیید" in html  # how long
    assert "ثبت درخواست لغو" in html


def test_paid_order_cancel_becomes_a_request_and_the_order_is_unchanged(client, shop):
    order = _paid_with_card()
    client.force_login(order.user)

    first = client.post(f"/orders/{order.number}/cancel/")
    again = client.post(f"/orders/{order.number}/cancel/")  # a double click

    assert first.status_code == again.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.cancelled_at is None
    request = CancellationRequest.objects.get(order=order)
    assert (request.status, request.refund_amount, request.requested_by_id) == (
        "pending",
        order.total,
        order.user_id,
    )
    assert AuditEvent.objects.filter(action="orders.cancellation_requested").count() == 1
    assert OutboxMessage.objects.filter(template="orders/cancellation_requested").exists()
    page = client.get(order.get_absolute_url()).content.decode()
    assert "درخواست لغو این سفارش" in page and "در حال بررسی" in page
    assert "لغو سفارش</a>" not in page  # no second request while one is pending


def test_customer_cannot_cancel_once_processing(client, shop):
    order = _paid_with_card()
    order_start_processing(order=order, actor=None)
    with pytest.raises(OrderNotCancellable):
        order_customer_cancel(order=order, actor=order.user)
    assert not CancellationRequest.objects.exists()


def test_api_cancel_of_a_paid_order_answers_with_the_pending_request(shop):
    from django.test import Client

    order = _paid_with_card()
    client = Client()
    client.force_login(order.user)

    response = client.post(f"/api/v1/orders/{order.number}/cancel")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paid"
    assert body["cancellation_request"]["status"] == "pending"
    assert body["cancellation_request"]["refund_amount"] == order.total


# --- staff deciding ---------------------------------------------------------------------


def test_approval_cancels_the_order_and_makes_the_refund_due(shop, admin_user):
    order = _paid_with_card()
    request = order_customer_cancel(order=order, actor=order.user).request

    cancellation_request_approve(request_id=request.pk, actor=admin_user)

    order.refresh_from_db()
    request.refresh_from_db()
    assert (order.status, order.refund_due, order.cancel_reason) == ("cancelled", True, "customer")
    assert (request.status, request.decided_by_id) == ("approved", admin_user.pk)
    event = AuditEvent.objects.get(action="orders.cancellation_approved")
    assert event.actor_id == admin_user.pk and event.after["refund_amount"] == order.total
    assert OutboxMessage.objects.filter(template="orders/cancelled").exists()
    with pytest.raises(CancellationRequestNotPending):
        cancellation_request_refuse(request_id=request.pk, actor=admin_user, reason="دیر شد")


def test_refusal_keeps_the_order_and_tells_the_customer_why(client, shop, admin_user):
    order = _paid_with_card()
    request = order_customer_cancel(order=order, actor=order.user).request

    cancellation_request_refuse(
        request_id=request.pk, actor=admin_user, reason="سفارش پیش‌تر به پیک تحویل شده است."
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refund_due is False
    assert AuditEvent.objects.filter(action="orders.cancellation_refused").count() == 1
    message = OutboxMessage.objects.filter(template="orders/cancellation_refused").first()
    assert message is not None and "به پیک تحویل شده" in message.body
    client.force_login(order.user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "درخواست لغو شما پذیرفته نشد: سفارش پیش‌تر به پیک تحویل شده است." in page


def test_refusal_without_a_reason_is_refused_and_nothing_changes(shop, admin_user):
    from metavast.orders.errors import RefusalReasonRequired

    order = _paid_with_card()
    request = order_customer_cancel(order=order, actor=order.user).request
    with pytest.raises(RefusalReasonRequired):
        cancellation_request_refuse(request_id=request.pk, actor=admin_user, reason="   ")
    request.refresh_from_db()
    assert request.status == "pending"
    assert not AuditEvent.objects.filter(action="orders.cancellation_refused").exists()


def test_approval_of_an_order_already_shipped_is_refused_and_the_request_stays(shop, admin_user):
    order = _paid_with_card()
    request = order_customer_cancel(order=order, actor=order.user).request
    order_start_processing(order=order, actor=admin_user)
    order_mark_shipped(order=order, actor=admin_user, tracking_code="TPX-1")

    with pytest.raises(OrderNotCancellable):
        cancellation_request_approve(request_id=request.pk, actor=admin_user)

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "pending" and order.status == OrderStatus.SHIPPED


def test_staff_approve_and_refuse_pages(admin_client, shop):
    order = _paid_with_card()
    request = order_customer_cancel(order=order, actor=order.user).request
    change = admin_client.get(f"/admin/orders/cancellationrequest/{request.pk}/change/")
    assert change.status_code == 200
    assert "تأیید و لغو سفارش" in change.content.decode()
    order_page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "درخواست لغو این سفارش پرداخت‌شده" in order_page

    refuse_page = admin_client.get(f"/admin/orders/cancellationrequest/{request.pk}/refuse/")
    assert refuse_page.status_code == 200
    empty = admin_client.post(f"/admin/orders/cancellationrequest/{request.pk}/refuse/", {})
    assert empty.status_code == 200  # the form again, with its error
    done = admin_client.post(f"/admin/orders/cancellationrequest/{request.pk}/approve/", {})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.refund_due


def test_staff_cancel_form_warns_when_a_refund_is_due(admin_client, shop):
    paid = _paid_with_card()
    unpaid = _unpaid()

    paid_page = admin_client.get(f"/admin/orders/order/{paid.pk}/cancel/").content.decode()
    unpaid_page = admin_client.get(f"/admin/orders/order/{unpaid.pk}/cancel/").content.decode()

    assert "refund-warning" in paid_page
    assert f"بازپرداخت {format_toman(paid.total)}" in paid_page
    assert "refund-warning" not in unpaid_page
