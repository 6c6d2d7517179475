"""Adding from the product page without leaving it (htmx), and the header's cart count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from metavast.cart.models import CartLine
from metavast.orders.tests.factories import make_customer, make_variant

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_in_page_add_answers_with_a_toast_and_the_new_count():
    variant = make_variant(title="چراغ مطالعه", price=1_250_000, on_hand=5)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": "۲"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "به سبد خرید اضافه شد" in html and "چراغ مطالعه" in html
    assert '<span id="cart-count" class="cart-count" hx-swap-oob="true">' in html
    assert "۲<span" in html  # two items
    assert "no-store" in response["Cache-Control"]
    # No message is left behind for the next page: the toast said it.
    cart_page = client.get("/cart/").content.decode()
    assert "به سبد خرید اضافه شد." not in cart_page
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 2)]


def test_in_page_add_refusal_is_a_toast_and_adds_nothing():
    variant = make_variant(on_hand=1)
    client = Client()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": "3"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="toast error"' in html and "تنها ۱ عدد" in html
    assert CartLine.objects.count() == 0


def test_without_javascript_the_form_still_goes_to_the_cart():
    variant = make_variant(on_hand=2)
    response = Client().post("/cart/add/", {"variant": variant.pk})
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_header_count_for_guest_and_customer_costs_at_most_one_query(client):
    variant = make_variant(on_hand=9)
    # A first visitor: no session, no query, an empty (hidden) count; the page stays cacheable.
    html = client.get("/").content.decode()
    assert '<span id="cart-count" class="cart-count"></span>' in html
    assert "sessionid" not in client.cookies
    client.post("/cart/add/", {"variant": variant.pk, "quantity": "3"})
    html = client.get("/").content.decode()
    assert '<span id="cart-count" class="cart-count"><span class="sr-only">، </span>۳<span' in html

    customer = make_customer()
    signed_in = Client()
    signed_in.force_login(customer)
    signed_in.post("/cart/add/", {"variant": variant.pk, "quantity": "4"})
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get("/").content.decode()
    assert "۴<span" in html
    count_queries = [q for q in queries.captured_queries if "cart_cartline" in q["sql"]]
    assert len(count_queries) == 1
