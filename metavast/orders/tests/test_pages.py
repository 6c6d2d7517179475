import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.orders.models import OrderStatus
from metavast.orders.services import info_request_create, order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

pytestmark = pytest.mark.django_db


def placed_by(buyer, lines=1):
    fill_cart(buyer, *[(make_variant(title=f"کالای شمارهٔ {i}"), 1) for i in range(lines)])
    return place(buyer)


def test_order_list_and_detail_with_jalali_timeline(client, shop):
    buyer = make_customer()
    order = placed_by(buyer, lines=2)
    client.force_login(buyer)
    listing = client.get("/orders/").content.decode()
    assert order.number in listing or order.number.replace("MV-", "") in listing
    response = client.get(f"/orders/{order.number}/")
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "در انتظار پرداخت" in page and "کالای شمارهٔ ۱" in page
    assert "۱۴۰" in page  # a Jalali year (14xx) in the timeline
    assert "لغو سفارش" in page


def test_another_customers_order_is_404_and_unchanged(client, shop):
    owner, intruder = make_customer(), make_customer()
    order = placed_by(owner)
    client.force_login(intruder)
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.post(f"/orders/{order.number}/cancel/").status_code == 404
    assert client.post(f"/orders/{order.number}/", {"note": "x"}).status_code == 404
    assert client.get("/orders/MV-00000000/").status_code == 404
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.number not in client.get("/orders/").content.decode()


def test_anonymous_is_sent_to_sign_in(client, shop):
    order = placed_by(make_customer())
    response = client.get(f"/orders/{order.number}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_customer_cancels_from_the_page(client, shop):
    buyer = make_customer()
    order = placed_by(buyer)
    client.force_login(buyer)
    client.post(f"/orders/{order.number}/cancel/")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_customer_answers_an_information_request(client, shop):
    buyer = make_customer()
    staff = make_customer(is_staff=True)
    order = placed_by(buyer)
    order_mark_paid(order_id=order.pk, payment_id=1)
    info_request_create(
        order=order, fields=["postal_code"], message="کد پستی نادرست است.", actor=staff
    )
    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "کد پستی نادرست است." in page and 'name="postal_code"' in page
    assert 'name="street"' not in page
    bad = client.post(f"/orders/{order.number}/", {"postal_code": "123"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_INFO
    ok = client.post(f"/orders/{order.number}/", {"postal_code": "8715879878"})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING and order.postal_code == "8715879878"


def test_order_pages_queries_do_not_grow_with_lines(client, shop, settings):
    # Five unpaid orders for one buyer: above the stock-hoarding caps, which are not
    # what this test measures.
    settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 10
    settings.ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER = 100
    buyer = make_customer()
    small = placed_by(buyer, lines=1)
    large = placed_by(buyer, lines=6)
    client.force_login(buyer)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count("/orders/")
    assert count(f"/orders/{small.number}/") == count(f"/orders/{large.number}/")
    one = count("/orders/")
    for _ in range(3):
        placed_by(buyer, lines=2)
    count("/orders/")
    assert count("/orders/") == one
