"""Concurrency proofs on PostgreSQL with real threads, each on its own connection."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
from django.db import connection

from metavast.checkout.demo import seed_shipping
from metavast.core.testing import run_concurrently
from metavast.orders.errors import OutOfStock
from metavast.orders.models import Order, OrderLine, OrderStatus
from metavast.orders.services import (
    order_cancel,
    order_expire,
    order_mark_paid,
)
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    place,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_buyers_for_the_last_unit_make_exactly_one_order():
    assert connection.vendor == "postgresql"
    seed_shipping()
    last = make_variant(title="آخرین گوشی", on_hand=1, price=90_000_000)
    buyers = []
    for _ in range(50):
        buyer = make_customer()
        fill_cart(buyer, (last, 1))
        buyers.append((buyer, make_address(buyer)))

    results = run_concurrently([lambda b=b, a=a: place(b, address=a) for b, a in buyers])

    orders = [r for r, e in results if r is not None]
    failures = [e for r, e in results if e is not None]
    print(f"\n50 buyers, 1 unit: {len(orders)} order, {len(failures)} out-of-stock answers")
    assert len(orders) == 1
    assert len(failures) == 49
    assert all(isinstance(e, OutOfStock) for e in failures), {type(e) for e in failures}
    assert all("آخرین گوشی" in str(e.message) for e in failures)
    last.refresh_from_db()
    assert (last.on_hand, last.reserved) == (1, 1)
    assert Order.objects.count() == 1


def test_twenty_buyers_with_overlapping_carts_never_oversell_or_deadlock():
    seed_shipping()
    rng = random.Random(5)
    # Several variants of the same products, so lines interleave across product locks.
    shared = [make_variant(on_hand=6) for _ in range(3)]
    variants = shared + [make_variant(product=v.product, on_hand=6) for v in shared]
    buyers = []
    for _ in range(20):
        buyer = make_customer()
        picks = rng.sample(variants, k=4)
        rng.shuffle(picks)
        fill_cart(buyer, *[(v, rng.randint(1, 3)) for v in picks])
        buyers.append((buyer, make_address(buyer)))

    results = run_concurrently([lambda b=b, a=a: place(b, address=a) for b, a in buyers])

    errors = [e for _, e in results if e is not None]
    assert all(isinstance(e, OutOfStock) for e in errors), [repr(e) for e in errors]
    placed = [r for r, _ in results if r is not None]
    print(f"\n20 overlapping carts: {len(placed)} orders, {len(errors)} out-of-stock, 0 deadlocks")
    assert placed, "somebody must have bought something"
    ordered = Counter()
    for line in OrderLine.objects.filter(order__in=placed):
        ordered[line.variant_id] += line.quantity
    for v in variants:
        v.refresh_from_db()
        assert v.reserved == ordered[v.pk] <= v.on_hand == 6


def test_paying_and_expiring_at_once_settle_one_way():
    seed_shipping()
    variant = make_variant(on_hand=10)
    pairs = []
    for _ in range(10):
        buyer = make_customer()
        fill_cart(buyer, (variant, 1))
        order = place(buyer)
        Order.objects.filter(pk=order.pk).update(expires_at=order.placed_at)
        pairs.append(order)
    work = []
    for i, order in enumerate(pairs):
        work.append(lambda o=order, i=i: order_mark_paid(order_id=o.pk, payment_id=1000 + i))
        work.append(lambda o=order: order_expire(order_id=o.pk))
    results = run_concurrently(work)
    assert all(e is None or e.__class__.__name__ == "OrderNotPayable" for _, e in results)
    variant.refresh_from_db()
    paid = Order.objects.filter(status=OrderStatus.PAID).count()
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED).count()
    assert paid + cancelled == 10
    assert (variant.on_hand, variant.reserved) == (10 - paid, 0)


def test_twenty_replays_of_mark_paid_commit_stock_once():
    seed_shipping()
    variant = make_variant(on_hand=3)
    buyer = make_customer()
    fill_cart(buyer, (variant, 2))
    order = place(buyer)
    results = run_concurrently([lambda: order_mark_paid(order_id=order.pk, payment_id=9)] * 20)
    assert all(e is None for _, e in results), [e for _, e in results]
    variant.refresh_from_db()
    assert (variant.on_hand, variant.reserved) == (1, 0)
    assert order.history.filter(to_status="paid").count() == 1


def test_double_click_from_two_threads_makes_one_order():
    seed_shipping()
    buyer = make_customer()
    variant = make_variant(on_hand=5)
    fill_cart(buyer, (variant, 2))
    address = make_address(buyer)
    key = uuid.uuid4().hex
    results = run_concurrently([lambda: place(buyer, address=address, key=key)] * 10)
    assert all(e is None for _, e in results), [e for _, e in results]
    assert len({r.pk for r, _ in results}) == 1
    variant.refresh_from_db()
    assert variant.reserved == 2


def test_cancel_and_pay_race():
    seed_shipping()
    variant = make_variant(on_hand=2)
    buyer = make_customer()
    fill_cart(buyer, (variant, 1))
    order = place(buyer)
    results = run_concurrently(
        [
            lambda: order_mark_paid(order_id=order.pk, payment_id=5),
            lambda: order_cancel(order=order, actor=buyer, reason="customer"),
        ]
    )
    assert all(e is None or "NotPayable" in type(e).__name__ for _, e in results)
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert variant.reserved == 0
    if order.paid_at:  # paid first, then cancelled: back on the shelf, refund due
        assert order.refund_due and variant.on_hand == 2
    else:
        assert not order.refund_due and variant.on_hand == 2


def test_twenty_buyers_over_http_get_201_or_409_never_500():
    """The same race through the API: every answer is an order or a clear out-of-stock."""
    from django.test import Client

    from metavast.orders.tests.factories import method

    seed_shipping()
    rng = random.Random(11)
    variants = [make_variant(on_hand=4) for _ in range(4)]
    clients = []
    for _ in range(20):
        buyer = make_customer()
        picks = rng.sample(variants, k=3)
        fill_cart(buyer, *[(v, rng.randint(1, 2)) for v in picks])
        client = Client()
        client.force_login(buyer)
        clients.append((client, make_address(buyer).pk))
    tipax = method("tipax").pk

    def buy(client, address_id):
        response = client.post(
            "/api/v1/checkout/orders",
            {
                "address_id": address_id,
                "shipping_method_id": tipax,
                "idempotency_key": uuid.uuid4().hex,
            },
            content_type="application/json",
        )
        return response.status_code, response.json()

    results = run_concurrently([lambda c=c, a=a: buy(c, a) for c, a in clients])
    assert all(e is None for _, e in results), [repr(e) for _, e in results]
    statuses = Counter(r[0] for r, _ in results)
    print(f"\n20 buyers over HTTP: {dict(statuses)}")
    assert set(statuses) <= {201, 409}, statuses
    assert all(body["code"] == "out_of_stock" for (status, body), _ in results if status == 409)
    for v in variants:
        v.refresh_from_db()
        assert 0 <= v.reserved <= v.on_hand == 4
