import pytest

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import OrderStatus
from metavast.orders.services import Receiver, order_cancel, order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_customer(is_staff=True, first_name="انباردار")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return verify_staff_client(client, staff)


@pytest.fixture
def paid_order(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(title="فرش دستباف"), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    return order_mark_paid(order_id=order.pk, payment_id=1)


def test_list_filters_and_masks_the_receiver(staff_client, paid_order):
    page = staff_client.get("/admin/orders/order/?status=paid&city=تهران").content.decode()
    assert paid_order.number in page
    assert "صادقی" not in page and "9351234567" not in page
    assert "فا••" in page
    for query in ("payment_method=online", "status=cancelled", "q=MV"):
        assert staff_client.get(f"/admin/orders/order/?{query}").status_code == 200


def test_change_page_hides_receiver_and_packing_slip_is_audited(staff_client, staff, paid_order):
    change = staff_client.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "صادقی" not in change and "آزادی" not in change
    assert AuditEvent.objects.filter(action="orders.receiver_viewed").count() == 0
    # Issue 10: the packing slip opens only while the order is being prepared.
    from metavast.orders.services import order_start_processing

    order_start_processing(order=paid_order, actor=staff)
    slip = staff_client.get(f"/admin/orders/order/{paid_order.pk}/packing-slip/").content.decode()
    assert "فاطمه صادقی" in slip and "۰۹۳۵ ۱۲۳ ۴۵۶۷" in slip and "خیابان آزادی" in slip
    event = AuditEvent.objects.get(action="orders.receiver_viewed")
    assert event.actor_id == staff.pk and event.subject_id == str(paid_order.pk)
    assert "صادقی" not in str(event.after)
    assert event.after["fields"] == sorted(
        ["receiver_name", "receiver_mobile", "address", "postal_code"]
    )
    assert event.after["purpose"] == "packing_slip" and "roles" in event.after


def test_staff_request_info_then_ship_with_tracking_code(staff_client, paid_order):
    url = f"/admin/orders/order/{paid_order.pk}"
    assert staff_client.get(f"{url}/request-info/").status_code == 200
    response = staff_client.post(
        f"{url}/request-info/",
        {"fields_": ["address", "postal_code"], "message": "پلاک را بنویسید."},
    )
    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.AWAITING_INFO
    request = paid_order.info_requests.get()
    assert request.fields == ["address", "postal_code"]
    # Cannot ship while waiting for the customer.
    staff_client.post(f"{url}/ship/", {"tracking_code": "X1"})
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.AWAITING_INFO


def test_staff_ship_and_deliver(staff_client, paid_order):
    url = f"/admin/orders/order/{paid_order.pk}"
    staff_client.post(f"{url}/process/")
    staff_client.post(f"{url}/ship/", {"tracking_code": "POST-1234"})
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.SHIPPED and paid_order.tracking_code == "POST-1234"
    assert [m.template for m in OutboxMessage.objects.all() if m.address == "+989351234567"] == [
        "orders/receiver_shipping"
    ]
    staff_client.post(f"{url}/deliver/")
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.DELIVERED


def test_staff_cancel_then_record_refund(staff_client, paid_order):
    url = f"/admin/orders/order/{paid_order.pk}"
    staff_client.post(f"{url}/cancel/", {"note": "ناموجود در انبار"})
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED and paid_order.refund_due
    staff_client.post(
        f"{url}/refund/", {"reference": "SHABA-77", "amount": str(paid_order.total + 1)}
    )
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED
    staff_client.post(f"{url}/refund/", {"reference": "SHABA-77", "amount": str(paid_order.total)})
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.REFUNDED and paid_order.refund_reference == "SHABA-77"


def test_unpaid_cancelled_order_offers_no_refund(staff_client, shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer)
    order_cancel(order=order, actor=buyer, reason="customer")
    page = staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "ثبت بازپرداخت" not in page
    staff_client.post(f"/admin/orders/order/{order.pk}/refund/", {"reference": "x"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_bulk_action_start_processing(staff_client, paid_order):
    staff_client.post(
        "/admin/orders/order/",
        {"action": "action_start_processing", "_selected_action": [paid_order.pk]},
    )
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.PROCESSING


def test_shipping_rules_admin_pages(staff_client, shop):
    assert staff_client.get("/admin/checkout/shippingmethod/").status_code == 200
    from metavast.orders.tests.factories import method

    assert (
        staff_client.get(
            f"/admin/checkout/shippingmethod/{method('courier').pk}/change/"
        ).status_code
        == 200
    )
    assert staff_client.get("/admin/checkout/vatrate/").status_code == 200


def test_customer_without_staff_cannot_open_the_slip(client, paid_order):
    client.force_login(paid_order.user)
    response = client.get(f"/admin/orders/order/{paid_order.pk}/packing-slip/")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="orders.receiver_viewed").exists()
