import pytest
from django.test import Client

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.core.jalali import format_jalali_datetime
from metavast.notifications.models import OutboxMessage
from metavast.orders.models import OrderStatus
from metavast.orders.services import Receiver, order_cancel, order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def _toman(rials: int) -> str:
    """The refund form is typed in Toman (one decimal place is a Rial)."""
    return f"{rials // 10}.{rials % 10}" if rials % 10 else str(rials // 10)


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
        f"{url}/refund/", {"reference": "SHABA-77", "amount": _toman(paid_order.total + 1)}
    )
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED
    staff_client.post(
        f"{url}/refund/", {"reference": "SHABA-77", "amount": _toman(paid_order.total)}
    )
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


# --- Each order button has its own right (QA report 2, item 3) ---------------------------


@pytest.fixture
def people(staff):
    from metavast.staff.services import staff_role_assign

    def make(role: str):
        user = make_customer(email=f"{role}-{make_customer().pk}@staff.example.com")
        user = staff_role_assign(user=user, role=role, actor=staff)
        client = Client()
        client.force_login(user)
        return user, verify_staff_client(client, user)

    return make


def test_warehouse_neither_cancels_refunds_nor_asks_the_customer(people, paid_order):
    _, client = people("warehouse")
    url = f"/admin/orders/order/{paid_order.pk}"
    changes = AuditEvent.objects.filter(action__startswith="orders.")
    before = (paid_order.history.count(), changes.count())
    page = client.get(f"{url}/change/").content.decode()
    assert f"{url}/process/" in page  # its own work is offered
    for screen in ("cancel", "refund", "request-info"):
        assert f"{url}/{screen}/" not in page
        assert client.get(f"{url}/{screen}/").status_code == 403
    assert client.post(f"{url}/cancel/", {"note": "x"}).status_code == 403
    assert (
        client.post(f"{url}/refund/", {"reference": "WH", "amount": _toman(1)}).status_code == 403
    )
    request_info = {"fields_": ["other"], "message": "؟"}
    assert client.post(f"{url}/request-info/", request_info).status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.PAID and paid_order.refunded_amount is None
    assert (paid_order.history.count(), changes.count()) == before
    # A cancelled paid order: still no refund for warehouse.
    order_cancel(order=paid_order, actor=paid_order.user, reason="customer")
    assert f"{url}/refund/" not in client.get(f"{url}/change/").content.decode()
    assert (
        client.post(f"{url}/refund/", {"reference": "WH", "amount": _toman(1)}).status_code == 403
    )
    paid_order.refresh_from_db()
    assert paid_order.refund_due and paid_order.refunded_amount is None


@pytest.mark.parametrize("role", ["support", "admin"])
def test_support_and_admin_cancel_and_refund(people, paid_order, role):
    _, client = people(role)
    url = f"/admin/orders/order/{paid_order.pk}"
    page = client.get(f"{url}/change/").content.decode()
    assert f"{url}/cancel/" in page and f"{url}/request-info/" in page
    client.post(f"{url}/cancel/", {"note": "ناموجود"})
    assert f"{url}/refund/" in client.get(f"{url}/change/").content.decode()
    client.post(f"{url}/refund/", {"reference": "S-1", "amount": _toman(paid_order.total)})
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.REFUNDED


def test_refund_form_keeps_the_order_due_and_refuses_more_than_is_owed(staff_client, paid_order):
    url = f"/admin/orders/order/{paid_order.pk}"
    order_cancel(order=paid_order, actor=paid_order.user, reason="customer")
    staff_client.post(f"{url}/refund/", {"reference": "P-1", "amount": _toman(1000)})
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.refund_due, paid_order.refunded_amount) == (
        OrderStatus.CANCELLED,
        True,
        1000,
    )
    # The button stays, the form offers what is left and refuses more.
    assert f"{url}/refund/" in staff_client.get(f"{url}/change/").content.decode()
    form = staff_client.get(f"{url}/refund/").context["form"]
    assert form["amount"].value() == paid_order.total - 1000
    response = staff_client.post(
        f"{url}/refund/", {"reference": "P-2", "amount": _toman(paid_order.total)}
    )
    assert response.status_code == 200
    assert "بیش از مبلغی است که هنوز باید بازگردانده شود" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 1000
    staff_client.post(
        f"{url}/refund/", {"reference": "P-2", "amount": _toman(paid_order.total - 1000)}
    )
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.refund_due) == (OrderStatus.REFUNDED, False)
    assert f"{url}/refund/" not in staff_client.get(f"{url}/change/").content.decode()


# --- The customer's answer to an information request (QA report 2, item 6) ---------------


def _answered(order, staff):
    from metavast.orders.services import InfoAnswer, info_request_answer, info_request_create

    info_request_create(
        order=order, fields=["other", "postal_code"], message="رنگ را بنویسید.", actor=staff
    )
    order.refresh_from_db()
    info_request_answer(
        order=order,
        user=order.user,
        answer=InfoAnswer(postal_code="8715879878", note="لطفاً آبی بفرستید."),
    )
    order.refresh_from_db()
    return order.info_requests.get()


@pytest.mark.parametrize("role", ["support", "admin"])
def test_the_customers_answer_is_on_the_order_page_and_the_look_is_audited(
    people, staff, paid_order, role
):
    request = _answered(paid_order, staff)
    user, client = people(role)
    page = client.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "لطفاً آبی بفرستید." in page and "رنگ را بنویسید." in page
    assert "تغییرداده‌شده در سفارش: کد پستی" in page
    assert format_jalali_datetime(request.answered_at) in page
    look = AuditEvent.objects.filter(
        action="staff.personal_data_viewed", actor_id=user.pk, subject_id=str(paid_order.pk)
    ).get()
    assert {"info_answer_note", "info_request_message"} <= set(look.after["fields"])
    assert "آبی" not in str(look.after)


@pytest.mark.parametrize("role", ["warehouse", "finance"])
def test_other_roles_see_that_an_answer_came_but_not_what_it_says(people, staff, paid_order, role):
    _answered(paid_order, staff)
    user, client = people(role)
    page = client.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "پاسخ داده شد" in page  # the request's status
    assert "آبی" not in page and "رنگ را بنویسید" not in page
    look = AuditEvent.objects.get(action="staff.personal_data_viewed", actor_id=user.pk)
    assert "info_answer_note" not in look.after["fields"]


def test_the_answer_lists_only_what_it_really_changed(staff_client, staff, paid_order):
    from metavast.orders.services import InfoAnswer, info_request_answer, info_request_create

    info_request_create(order=paid_order, fields=["postal_code"], message="؟", actor=staff)
    paid_order.refresh_from_db()
    info_request_answer(
        order=paid_order,
        user=paid_order.user,
        answer=InfoAnswer(postal_code=paid_order.postal_code),
    )
    event = AuditEvent.objects.get(action="orders.info_answered")
    assert event.after["changed"] == []
    page = staff_client.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "هیچ (همان اطلاعات پیشین تأیید شد)" in page


def test_search_finds_an_order_number_copied_from_its_persian_sms(staff_client, paid_order):
    """QA: «MV-۳۰۵۵۲۹۲۱» (as the customer's SMS writes it) and Arabic-Indic digits found nothing."""
    from metavast.core.text import to_persian_digits

    digits = paid_order.number.removeprefix("MV-")
    arabic = digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for typed in (to_persian_digits(paid_order.number), to_persian_digits(digits), arabic):
        page = staff_client.get("/admin/orders/order/", {"q": typed}).content.decode()
        assert f"/orders/order/{paid_order.pk}/change/" in page, typed
