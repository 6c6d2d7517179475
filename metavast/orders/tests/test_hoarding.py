"""Stock hoarding (issue 9, item 8): one account reserved 30 of 39 units in about 2 s with
3 orders of 10. Unpaid orders per customer and the units they hold are capped, and placing
is rate-limited per customer and per client address."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from metavast.accounts.services.tokens import app_session_start
from metavast.audit.models import AuditEvent
from metavast.cart.errors import LineNotFound
from metavast.cart.models import CartLine
from metavast.cart.services import cart_add, cart_empty, cart_get_or_create, cart_set_quantity
from metavast.catalog.models import Variant
from metavast.core.testing import run_concurrently
from metavast.orders.errors import (
    CartEmpty,
    PlacingTooFast,
    UnpaidOrdersLimit,
    UnpaidUnitsLimit,
)
from metavast.orders.models import Order, OrderLine, OrderStatus
from metavast.orders.services import order_cancel, order_mark_paid, order_mark_shipped
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
    place,
)


def _snapshot(buyer, *variants):
    return (
        Order.objects.filter(user=buyer).count(),
        OrderLine.objects.filter(order__user=buyer).count(),
        [Variant.objects.get(pk=v.pk).reserved for v in variants],
        sorted(CartLine.objects.filter(cart__user=buyer).values_list("variant_id", "quantity")),
        AuditEvent.objects.filter(action="orders.placed", actor_id=buyer.pk).count(),
    )


@pytest.mark.django_db
def test_the_reported_attack_three_orders_of_ten_reserve_ten_units_only(shop):
    scarce = make_variant(title="کنسول بازی", on_hand=39)
    buyer = make_customer()
    address = make_address(buyer)
    fill_cart(buyer, (scarce, 10))
    first = place(buyer, address=address)
    assert first.status == OrderStatus.AWAITING_PAYMENT

    fill_cart(buyer, (scarce, 10))
    before = _snapshot(buyer, scarce)
    with pytest.raises(UnpaidUnitsLimit) as refused:
        place(buyer, address=address)

    assert refused.value.code == "unpaid_units_limit"
    assert "۱۰" in str(refused.value.message)  # the limit, in Persian digits
    assert _snapshot(buyer, scarce) == before  # nothing written, the cart kept
    assert Variant.objects.get(pk=scarce.pk).reserved == 10
    assert Order.objects.filter(user=buyer).count() == 1


@pytest.mark.django_db
def test_a_third_open_unpaid_order_is_refused_and_nothing_changes(shop, settings):
    settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 2
    buyer = make_customer()
    address = make_address(buyer)
    a, b, c = make_variant(), make_variant(), make_variant()
    fill_cart(buyer, (a, 1))
    place(buyer, address=address)
    fill_cart(buyer, (b, 1))
    place(buyer, address=address, payment="cod", shipping="tipax")  # COD holds stock unpaid
    fill_cart(buyer, (c, 1))
    before = _snapshot(buyer, a, b, c)

    with pytest.raises(UnpaidOrdersLimit) as refused:
        place(buyer, address=address)

    assert refused.value.code == "unpaid_orders_limit" and refused.value.status == 409
    assert _snapshot(buyer, a, b, c) == before


@pytest.mark.django_db
def test_paid_cancelled_and_shipped_orders_hold_nothing_unpaid(shop, settings):
    settings.ORDER_PLACE_LIMIT_PER_CUSTOMER = (10, 600)  # six placements here
    settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 2
    buyer = make_customer()
    staff = make_customer(is_staff=True)
    address = make_address(buyer)
    paid = place_with(buyer, address, units=4)
    order_mark_paid(order_id=paid.pk, payment_id=paid.pk + 90_000)
    cancelled = place_with(buyer, address, units=4)
    order_cancel(order=cancelled, actor=buyer, reason="customer")
    shipped = place_with(buyer, address, units=4, payment="cod", shipping="tipax")
    order_mark_shipped(order=shipped, actor=staff, tracking_code="T-1")

    # None of the three holds unpaid stock now: two more orders of five units each fit.
    place_with(buyer, address, units=5)
    place_with(buyer, address, units=5)
    assert Order.objects.filter(user=buyer).open_unpaid().count() == 2
    with pytest.raises(UnpaidOrdersLimit):
        place_with(buyer, address, units=1)


@pytest.mark.django_db
def test_the_caps_are_settings(shop, settings):
    settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 1
    settings.ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER = 3
    buyer = make_customer()
    address = make_address(buyer)
    with pytest.raises(UnpaidUnitsLimit):
        place_with(buyer, address, units=4)
    cart_empty(cart=cart_get_or_create(user=buyer))
    place_with(buyer, address, units=3)
    with pytest.raises(UnpaidOrdersLimit):
        place_with(buyer, address, units=1)


def place_with(buyer, address, *, units: int, **kwargs) -> Order:
    fill_cart(buyer, (make_variant(on_hand=20), units))
    return place(buyer, address=address, **kwargs)


# --- the rate limit ------------------------------------------------------------------------


@pytest.mark.django_db
def test_placing_too_often_is_refused_before_anything_is_written(shop, settings):
    settings.ORDER_PLACE_LIMIT_PER_CUSTOMER = (2, 600)
    buyer = make_customer()
    address = make_address(buyer)
    first = place_with(buyer, address, units=1)
    order_mark_paid(order_id=first.pk, payment_id=first.pk + 90_000)
    # A repeated request for an order already made is answered, not counted.
    assert place(buyer, address=address, key=first.checkout_key) == first
    second = place_with(buyer, address, units=1)
    order_mark_paid(order_id=second.pk, payment_id=second.pk + 90_000)
    variant = make_variant()
    fill_cart(buyer, (variant, 1))
    before = _snapshot(buyer, variant)

    with pytest.raises(PlacingTooFast) as refused:
        place(buyer, address=address)

    assert refused.value.status == 429 and refused.value.code == "order_rate_limited"
    assert _snapshot(buyer, variant) == before
    cache.clear()  # the window passes
    assert place(buyer, address=address).status == OrderStatus.AWAITING_PAYMENT


def _api_client(user):
    access = app_session_start(user=user, method="password", user_agent="t", ip="127.0.0.1")
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Bearer {access.access}", REMOTE_ADDR="198.51.100.7")


def _api_place(client, address, key=None):
    return client.post(
        "/api/v1/checkout/orders",
        {
            "address_id": address.pk,
            "shipping_method_id": method().pk,
            "payment_method": "online",
            "idempotency_key": key or uuid.uuid4().hex,
        },
        content_type="application/json",
    )


@pytest.mark.django_db
def test_the_api_answers_429_per_address_across_customers(shop, settings):
    settings.ORDER_PLACE_LIMIT_PER_IP = (1, 600)
    first, second = make_customer(), make_customer()
    fill_cart(first, (make_variant(), 1))
    variant = make_variant()
    fill_cart(second, (variant, 1))
    first_address, second_address = make_address(first), make_address(second)
    assert _api_place(_api_client(first), first_address).status_code == 201
    before = _snapshot(second, variant)

    response = _api_place(_api_client(second), second_address)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "order_rate_limited" and body["fields"] == {}
    assert body["message"] == str(PlacingTooFast.message)
    assert _snapshot(second, variant) == before


@pytest.mark.django_db
def test_the_api_answers_409_with_the_cap_and_writes_nothing(shop):
    buyer = make_customer()
    address = make_address(buyer)
    api = _api_client(buyer)
    scarce = make_variant(on_hand=39)
    fill_cart(buyer, (scarce, 10))
    assert _api_place(api, address).status_code == 201
    fill_cart(buyer, (scarce, 10))
    before = _snapshot(buyer, scarce)

    response = _api_place(api, address)

    assert response.status_code == 409 and response.json()["code"] == "unpaid_units_limit"
    assert _snapshot(buyer, scarce) == before


@pytest.mark.django_db
def test_the_checkout_page_says_why_in_persian(client, shop, settings):
    from metavast.checkout.tests.test_checkout_pages import go_to_review, hidden

    settings.ORDER_PLACE_LIMIT_PER_CUSTOMER = (0, 600)
    buyer = make_customer()
    variant = make_variant()
    fill_cart(buyer, (variant, 1))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    before = _snapshot(buyer, variant)

    response = client.post(
        "/checkout/place/",
        {
            "key": hidden(page, "key"),
            "payment_method": "online",
            "cart_version": hidden(page, "cart_version"),
            "expected_total": hidden(page, "expected_total"),
        },
        follow=True,
    )

    assert response.redirect_chain[0] == ("/checkout/review/", 302)
    assert "در مدت کوتاهی سفارش‌های زیادی ثبت کرده‌اید" in response.content.decode()
    assert _snapshot(buyer, variant) == before


# --- parallel placements for one customer (PostgreSQL) -------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_placements_by_one_customer_never_pass_the_caps(settings):
    """Eight threads, each putting one unit of its own variant in the one cart and placing,
    three times over: every placement that finds a non-empty cart races the others for the
    caps. The cart never holds more than 8 units, so the first placement always succeeds."""
    from metavast.checkout.demo import seed_shipping

    seed_shipping()
    settings.ORDER_PLACE_LIMIT_PER_CUSTOMER = (1000, 600)
    settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER = 2
    settings.ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER = 10
    buyer = make_customer()
    address = make_address(buyer)
    variants = [make_variant(on_hand=39) for _ in range(8)]

    def attempt(variant) -> list[object]:
        outcomes = []
        for _ in range(3):
            cart = cart_get_or_create(user=buyer)
            try:  # one unit of this thread's variant, whatever the cart held
                cart_set_quantity(cart=cart, variant_id=variant.pk, quantity=1)
            except LineNotFound:
                cart_add(cart=cart, variant_id=variant.pk, quantity=1)
            try:
                outcomes.append(place(buyer, address=address))
            except (CartEmpty, UnpaidOrdersLimit, UnpaidUnitsLimit) as refused:
                outcomes.append(refused)
        return outcomes

    results = run_concurrently([lambda v=v: attempt(v) for v in variants])

    assert [e for _, e in results if e is not None] == []
    outcomes = [o for r, _ in results for o in r]
    placed = [o for o in outcomes if isinstance(o, Order)]
    capped = [o for o in outcomes if isinstance(o, UnpaidOrdersLimit | UnpaidUnitsLimit)]
    print(f"\n24 placements by one customer: {len(placed)} placed, {len(capped)} capped")
    open_unpaid = Order.objects.filter(user=buyer).open_unpaid()
    units = sum(OrderLine.objects.filter(order__in=open_unpaid).values_list("quantity", flat=True))
    assert 1 <= len(placed) == open_unpaid.count() <= settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER
    assert units <= settings.ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER
    assert (
        sum(
            Variant.objects.filter(pk__in=[v.pk for v in variants]).values_list(
                "reserved", flat=True
            )
        )
        == units
    )


@pytest.mark.django_db
def test_a_large_basket_of_different_products_is_not_refused(shop):
    """The tight cap is per product; a shopper buying many different things is served."""
    buyer = make_customer()
    address = make_address(buyer)
    variants = [make_variant(on_hand=50) for _ in range(3)]
    fill_cart(buyer, *((v, 8) for v in variants))

    order = place(buyer, address=address)

    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert sum(order.lines.values_list("quantity", flat=True)) == 24


@pytest.mark.django_db
def test_one_product_across_two_unpaid_orders_is_capped(shop):
    scarce = make_variant(on_hand=39)
    other = make_variant(on_hand=39)
    buyer = make_customer()
    address = make_address(buyer)
    fill_cart(buyer, (scarce, 6))
    place(buyer, address=address)
    fill_cart(buyer, (scarce, 5), (other, 5))
    before = _snapshot(buyer, scarce, other)

    with pytest.raises(UnpaidUnitsLimit) as refused:
        place(buyer, address=address)

    assert "از یک کالا" in str(refused.value.message)
    assert _snapshot(buyer, scarce, other) == before
