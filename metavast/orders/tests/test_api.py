import json
import uuid

import pytest

from metavast.cart.models import CartLine
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
    place,
)

pytestmark = pytest.mark.django_db


def api(client, verb, path, body=None):
    kwargs = {"content_type": "application/json"} if body is not None else {}
    data = json.dumps(body) if body is not None else None
    call = getattr(client, verb)
    response = call(f"/api/v1{path}", data, **kwargs) if data else call(f"/api/v1{path}")
    return response.status_code, response.json()


@pytest.fixture
def buyer_client(client):
    buyer = make_customer()
    client.force_login(buyer)
    client.buyer = buyer
    return client


def test_anonymous_gets_401(client):
    assert api(client, "get", "/cart")[0] == 401
    assert api(client, "get", "/orders")[0] == 401
    assert api(client, "post", "/checkout/orders", {"address_id": 1})[0] == 401


def test_cart_through_the_api(buyer_client):
    variant = make_variant(price=2_000_000, on_hand=3)
    status, body = api(
        buyer_client,
        "post",
        "/cart/lines",
        {"variant_id": variant.pk, "quantity": 2, "unit_price": 1},
    )
    assert status == 200
    # Shopper prices include VAT (10 %): 2,000,000 net is 2,200,000.
    assert body["subtotal"] == 4_400_000 and body["lines"][0]["unit_price"] == 2_200_000
    assert body["prices_include_vat"] is True and body["total"] == 4_400_000
    status, body = api(buyer_client, "put", f"/cart/lines/{variant.pk}", {"quantity": 1})
    assert status == 200 and body["count"] == 1
    status, body = api(
        buyer_client, "post", "/cart/lines", {"variant_id": variant.pk, "quantity": 5}
    )
    assert status == 409 and body["code"] == "not_enough_stock"
    status, body = api(buyer_client, "delete", f"/cart/lines/{variant.pk}")
    assert status == 200 and body["lines"] == []
    assert api(buyer_client, "delete", f"/cart/lines/{variant.pk}")[0] == 404


@pytest.mark.parametrize("quantity", [-1, 0, 1.5, "2", 10**12, True, None])
def test_bad_quantities_are_422_and_change_nothing(buyer_client, quantity):
    variant = make_variant(on_hand=50)
    status, body = api(
        buyer_client, "post", "/cart/lines", {"variant_id": variant.pk, "quantity": quantity}
    )
    assert status == 422, body
    assert not CartLine.objects.exists()


def test_quantity_above_the_line_limit_is_422(buyer_client, settings):
    settings.CART_MAX_LINE_QUANTITY = 3
    variant = make_variant(on_hand=50)
    status, body = api(
        buyer_client, "post", "/cart/lines", {"variant_id": variant.pk, "quantity": 4}
    )
    assert status == 422 and body["code"] == "quantity_above_limit"


def test_place_order_through_the_api_is_idempotent(buyer_client, shop):
    buyer = buyer_client.buyer
    fill_cart(buyer, (make_variant(on_hand=5), 2))
    address = make_address(buyer)
    status, quotes = api(buyer_client, "get", f"/checkout/shipping-methods?address_id={address.pk}")
    assert status == 200 and {q["code"] for q in quotes} == {
        "post-pishtaz",
        "post-sefareshi",
        "tipax",
        "courier",
    }
    body = {
        "address_id": address.pk,
        "receiver": {
            "is_self": False,
            "first_name": "لیلا",
            "last_name": "حسینی",
            "mobile": "09121234500",
        },
        "shipping_method_id": method("tipax").pk,
        "payment_method": "online",
        "idempotency_key": uuid.uuid4().hex,
    }
    status, first = api(buyer_client, "post", "/checkout/orders", body)
    assert status == 201, first
    assert first["status"] == "awaiting_payment" and first["receiver_is_self"] is False
    assert "لیلا" not in json.dumps(first, ensure_ascii=False)
    status, again = api(buyer_client, "post", "/checkout/orders", body)
    assert status == 201 and again["number"] == first["number"]
    assert Order.objects.count() == 1
    status, listing = api(buyer_client, "get", "/orders")
    assert status == 200 and listing["count"] == 1
    status, detail = api(buyer_client, "get", f"/orders/{first['number']}")
    assert status == 200 and detail["timeline"][0]["status"] == "awaiting_payment"
    status, cancelled = api(buyer_client, "post", f"/orders/{first['number']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"


def test_place_with_an_empty_cart_is_409(buyer_client, shop):
    address = make_address(buyer_client.buyer)
    status, body = api(
        buyer_client,
        "post",
        "/checkout/orders",
        {
            "address_id": address.pk,
            "shipping_method_id": method().pk,
            "idempotency_key": "abcdefgh",
        },
    )
    assert status == 409 and body["code"] == "cart_empty"


def test_another_customers_order_and_address_are_404(buyer_client, shop):
    other = make_customer()
    fill_cart(other, (make_variant(), 1))
    theirs = place(other)
    their_address = make_address(other)
    assert api(buyer_client, "get", f"/orders/{theirs.number}")[0] == 404
    assert api(buyer_client, "post", f"/orders/{theirs.number}/cancel")[0] == 404
    assert (
        api(buyer_client, "get", f"/checkout/shipping-methods?address_id={their_address.pk}")[0]
        == 404
    )
    fill_cart(buyer_client.buyer, (make_variant(), 1))
    status, _ = api(
        buyer_client,
        "post",
        "/checkout/orders",
        {
            "address_id": their_address.pk,
            "shipping_method_id": method().pk,
            "idempotency_key": "abcdefgh",
        },
    )
    assert status == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.AWAITING_PAYMENT
    assert Order.objects.count() == 1


def test_customer_without_confirmed_email_is_403(client, shop):
    buyer = make_customer(email_confirmed=False)
    client.force_login(buyer)
    fill_cart(buyer, (make_variant(), 1))
    address = make_address(buyer)
    status, body = api(
        client,
        "post",
        "/checkout/orders",
        {
            "address_id": address.pk,
            "shipping_method_id": method().pk,
            "idempotency_key": "abcdefgh",
        },
    )
    assert status == 403 and body["code"] == "customer_incomplete" and "email" in body["fields"]
