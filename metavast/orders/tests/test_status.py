import datetime as dt

import pytest
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.catalog.models import Variant
from metavast.notifications.models import OutboxMessage
from metavast.orders import errors
from metavast.orders.models import InfoRequestStatus, Order, OrderStatus
from metavast.orders.services import (
    InfoAnswer,
    Receiver,
    info_request_answer,
    info_request_create,
    info_requests_sweep,
    order_cancel,
    order_mark_delivered,
    order_mark_paid,
    order_mark_shipped,
    order_record_refund,
    order_set_status,
    order_start_processing,
    orders_expire_due,
)
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_customer(is_staff=True, first_name="کارمند")


def placed(on_hand=5, quantity=2, **kwargs):
    buyer = make_customer()
    variant = make_variant(on_hand=on_hand)
    fill_cart(buyer, (variant, quantity))
    return place(buyer, **kwargs), variant


def stock(variant):
    variant.refresh_from_db()
    return variant.on_hand, variant.reserved


def test_mark_paid_commits_stock_records_history_audit_and_notifies(shop):
    order, variant = placed()
    paid = order_mark_paid(order_id=order.pk, payment_id=41)
    assert paid.status == OrderStatus.PAID and paid.paid_at and paid.paid_payment_id == 41
    assert stock(variant) == (3, 0)
    assert list(paid.history.values_list("to_status", flat=True)) == ["awaiting_payment", "paid"]
    event = AuditEvent.objects.get(action="orders.status_changed", subject_id=str(order.pk))
    assert event.before == {"status": "awaiting_payment"} and event.after["status"] == "paid"
    assert OutboxMessage.objects.filter(template="orders/paid").count() == 2
    variant.product.refresh_from_db()
    assert variant.product.sold_count == 2


def test_mark_paid_again_by_the_same_payment_is_a_no_op(shop):
    order, variant = placed()
    order_mark_paid(order_id=order.pk, payment_id=41)
    again = order_mark_paid(order_id=order.pk, payment_id=41)
    assert again.status == OrderStatus.PAID
    assert stock(variant) == (3, 0)
    assert OutboxMessage.objects.filter(template="orders/paid").count() == 2
    assert order.history.count() == 2


def test_mark_paid_by_another_payment_is_refused(shop):
    order, _ = placed()
    order_mark_paid(order_id=order.pk, payment_id=41)
    with pytest.raises(errors.OrderAlreadyPaid):
        order_mark_paid(order_id=order.pk, payment_id=42)
    assert issubclass(errors.OrderAlreadyPaid, errors.OrderNotPayable)


def test_expired_order_releases_stock_and_cannot_be_paid(shop):
    order, variant = placed()
    assert stock(variant) == (5, 2)
    later = timezone.now() + dt.timedelta(minutes=21)
    assert orders_expire_due(now=timezone.now()) == 0
    assert orders_expire_due(now=later) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "expired"
    assert not order.refund_due
    assert stock(variant) == (5, 0)
    with pytest.raises(errors.OrderNotPayable):
        order_mark_paid(order_id=order.pk, payment_id=1)
    assert stock(variant) == (5, 0)


def test_late_payment_before_the_sweep_still_counts(shop):
    order, _variant = placed()
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert order_mark_paid(order_id=order.pk, payment_id=3).status == OrderStatus.PAID
    assert orders_expire_due() == 0


def test_transitions_outside_the_table_are_refused_and_change_nothing(shop, staff):
    order, variant = placed()
    with pytest.raises(errors.TransitionNotAllowed):
        order_set_status(order=order, to=OrderStatus.SHIPPED, actor=staff)
    with pytest.raises(errors.TransitionNotAllowed):
        order_start_processing(order=order, actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.history.count() == 1
    assert stock(variant) == (5, 2)


def test_customer_cancels_unpaid_order_and_stock_is_released(shop):
    order, variant = placed()
    order_cancel(order=order, actor=order.user, reason="customer")
    assert stock(variant) == (5, 0)
    assert order.status == OrderStatus.CANCELLED and not order.refund_due


def test_customer_cancels_paid_order_before_processing_restock_and_refund_due(shop, staff):
    order, variant = placed()
    order_mark_paid(order_id=order.pk, payment_id=8)
    order_cancel(order=order, actor=order.user, reason="customer")
    order.refresh_from_db()
    assert order.refund_due and stock(variant) == (5, 0)
    order_record_refund(order=order, actor=staff, reference="RF-123")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.total
    assert not order.refund_due


def test_customer_cannot_cancel_once_processing(shop, staff):
    order, variant = placed()
    order_mark_paid(order_id=order.pk, payment_id=8)
    order_start_processing(order=order, actor=staff)
    with pytest.raises(errors.OrderNotCancellable):
        order_cancel(order=order, actor=order.user, reason="customer")
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING and stock(variant) == (3, 0)


def test_shipping_to_another_person_texts_the_receiver_only_the_shipping_sms(shop, staff):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="مینا", last_name="رضایی", mobile="09351234567"
        ),
    )
    order_mark_paid(order_id=order.pk, payment_id=5)
    order_start_processing(order=order, actor=staff)
    with pytest.raises(errors.TrackingCodeRequired):
        order_mark_shipped(order=order, actor=staff, tracking_code=" ")
    order_mark_shipped(order=order, actor=staff, tracking_code="TPX-9981")
    to_receiver = [m for m in OutboxMessage.objects.all() if m.address == "+989351234567"]
    assert [m.template for m in to_receiver] == ["orders/receiver_shipping"]
    assert "TPX-9981" in to_receiver[0].body
    assert OutboxMessage.objects.filter(template="orders/shipped", user=buyer).count() == 2
    order_mark_delivered(order=order, actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.delivered_at
    assert OutboxMessage.objects.filter(template="orders/delivered").count() == 2


def test_info_request_round_trip(shop, staff):
    order, _ = placed()
    order_mark_paid(order_id=order.pk, payment_id=5)
    request = info_request_create(
        order=order,
        fields=["postal_code", "receiver"],
        message="کد پستی با شهر نمی‌خواند.",
        actor=staff,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_INFO
    assert OutboxMessage.objects.filter(template="orders/info_requested").count() == 2
    with pytest.raises(Exception) as exc:
        info_request_answer(
            order=order, user=order.user, answer=InfoAnswer(postal_code="12", receiver_mobile="x")
        )
    assert {"postal_code", "receiver_first_name", "receiver_mobile"} <= set(exc.value.message_dict)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_INFO
    info_request_answer(
        order=order,
        user=order.user,
        answer=InfoAnswer(
            postal_code="۸۷۱۵۸۷۹۸۷۸",
            receiver_first_name="حسن",
            receiver_last_name="نوری",
            receiver_mobile="09127654321",
        ),
    )
    order.refresh_from_db()
    request.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.postal_code == "8715879878" and order.receiver_name == "حسن نوری"
    assert request.status == InfoRequestStatus.ANSWERED
    steps = list(order.history.values_list("from_status", "to_status"))
    assert steps[-2:] == [("paid", "awaiting_info"), ("awaiting_info", "processing")]


def test_another_customer_cannot_answer(shop, staff):
    order, _ = placed()
    order_mark_paid(order_id=order.pk, payment_id=5)
    info_request_create(order=order, fields=["other"], message="؟", actor=staff)
    with pytest.raises(errors.InfoRequestNotOpen):
        info_request_answer(order=order, user=make_customer(), answer=InfoAnswer(note="x"))
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_INFO


def test_unanswered_request_reminds_then_cancels_with_refund(shop, staff, settings):
    settings.INFO_REQUEST_DEADLINE_DAYS = 3
    settings.INFO_REQUEST_REMINDER_HOURS = 24
    order, variant = placed()
    order_mark_paid(order_id=order.pk, payment_id=5)
    info_request_create(order=order, fields=["address"], message="پلاک؟", actor=staff)
    now = timezone.now()
    assert info_requests_sweep(now=now + dt.timedelta(days=1)) == {"lapsed": 0, "reminded": 0}
    assert info_requests_sweep(now=now + dt.timedelta(days=2, hours=1)) == {
        "lapsed": 0,
        "reminded": 1,
    }
    assert info_requests_sweep(now=now + dt.timedelta(days=2, hours=2)) == {
        "lapsed": 0,
        "reminded": 0,
    }
    assert OutboxMessage.objects.filter(template="orders/info_requested").count() == 4
    assert info_requests_sweep(now=now + dt.timedelta(days=3, hours=1)) == {
        "lapsed": 1,
        "reminded": 0,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "info_deadline"
    assert order.refund_due
    assert stock(variant) == (5, 0)
    notes = list(order.history.values_list("note", flat=True))
    assert "یادآوری درخواست اطلاعات فرستاده شد." in notes


def test_info_request_only_from_paid_or_processing(shop, staff):
    order, _ = placed()
    with pytest.raises(errors.TransitionNotAllowed):
        info_request_create(order=order, fields=["other"], message="؟", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert not order.info_requests.exists()


def test_status_change_does_not_touch_other_orders_stock(shop):
    order, variant = placed()
    _other, other_variant = placed()
    order_cancel(order=order, actor=order.user, reason="customer")
    assert stock(other_variant) == (5, 2)
    assert Variant.objects.get(pk=variant.pk).reserved == 0


def test_cancellation_tells_the_customer_with_the_reason_and_a_link(shop, settings):
    from metavast.notifications.models import OutboxMessage
    from metavast.orders.services import order_cancel
    from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

    settings.SITE_URL = "https://shop.example.ir"
    user = make_customer()
    fill_cart(user, (make_variant(), 1))
    order = place(user)
    order_cancel(order=order, actor=user, reason="customer")
    messages = OutboxMessage.objects.filter(template="orders/cancelled")
    assert {m.channel for m in messages} == {"email", "sms"}
    email = messages.get(channel="email")
    assert "به درخواست مشتری" in email.body
    assert f"https://shop.example.ir/orders/{order.number}/" in email.body


def test_lock_order_reads_the_row_and_its_customer_without_sorting(shop):
    # Issue 16: a primary-key lookup needs no ORDER BY; building one cost CPU on every
    # status change.
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from metavast.orders.services.status import lock_order

    order, _ = placed()
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        locked = lock_order(order.pk)
    sql = [q["sql"] for q in ctx.captured_queries if "orders_order" in q["sql"]]
    assert len(sql) == 1 and "ORDER BY" not in sql[0]
    assert locked.pk == order.pk and locked.user.pk == order.user_id
    with transaction.atomic(), pytest.raises(errors.OrderNotFound):
        lock_order(order.pk + 10_000)


# --- Refunds add up (QA report 2, item 4) --------------------------------------------------


def _cancelled_paid(staff):
    order, _ = placed()
    order_mark_paid(order_id=order.pk, payment_id=31)
    order_cancel(order=order, actor=staff, reason="staff")
    order.refresh_from_db()
    assert order.refund_due and order.total > 2
    return order


def test_a_partial_refund_keeps_a_cancelled_order_refund_due_until_the_total_is_back(shop, staff):
    order = _cancelled_paid(staff)
    order_record_refund(order=order, actor=staff, reference="R-1", amount=1)
    order.refresh_from_db()
    assert (order.status, order.refund_due, order.refunded_amount) == ("cancelled", True, 1)
    assert order.refund_reference == "R-1" and order.refunded_at is None
    step = order.history.order_by("pk").last()
    assert (step.from_status, step.to_status) == ("cancelled", "cancelled")
    assert "R-1" not in step.note and "مانده" in step.note  # the customer reads this row
    event = AuditEvent.objects.filter(action="orders.status_changed").order_by("pk").last()
    assert event.before == {"status": "cancelled", "refunded_amount": None}
    assert event.after == {"status": "cancelled", "refunded_amount": 1, "refund": 1}

    # More than is still owed: refused in Persian, nothing changes.
    with pytest.raises(errors.RefundNotDue) as exc:
        order_record_refund(order=order, actor=staff, reference="R-2", amount=order.total)
    assert "بیش از" in exc.value.fields["amount"][0]
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, order.refund_reference) == ("cancelled", 1, "R-1")

    # No amount: the rest. The order is REFUNDED only now.
    order_record_refund(order=order, actor=staff, reference="R-2")
    order.refresh_from_db()
    assert (order.status, order.refund_due) == ("refunded", False)
    assert order.refunded_amount == order.total and order.refund_reference == "R-2"
    assert order.refunded_at is not None
    with pytest.raises(errors.RefundNotDue):
        order_record_refund(order=order, actor=staff, reference="R-3", amount=1)


def test_refunds_of_a_returned_delivered_order_add_up_to_its_total(shop, staff):
    order, _ = placed()
    order_mark_paid(order_id=order.pk, payment_id=32)
    order_start_processing(order=order, actor=staff)
    order_mark_shipped(order=order, actor=staff, tracking_code="T-1")
    order_mark_delivered(order=order, actor=staff)
    order_record_refund(order=order, actor=staff, reference="D-1", amount=100)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("refunded", 100)
    order_record_refund(order=order, actor=staff, reference="D-2", amount=50)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount, order.refund_reference) == ("refunded", 150, "D-2")
    with pytest.raises(errors.RefundNotDue):
        order_record_refund(order=order, actor=staff, reference="D-3", amount=order.total)
    order.refresh_from_db()
    assert order.refunded_amount == 150


def test_the_credit_note_of_a_cancelled_order_matches_the_refunds(
    shop, staff, django_capture_on_commit_callbacks
):
    from metavast.invoices.models import Invoice, InvoiceKind

    with django_capture_on_commit_callbacks(execute=True):
        order = _cancelled_paid(staff)
    with django_capture_on_commit_callbacks(execute=True):
        order_record_refund(order=order, actor=staff, reference="R-1", amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        order_record_refund(order=order, actor=staff, reference="R-2")
    order.refresh_from_db()
    notes = Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert [note.total for note in notes] == [order.total] == [order.refunded_amount]
