"""Issue 15, item 5: the order page's timeline (steps ahead, failed bank attempts), the RTL
back arrow and the lines' thumbnails."""

from __future__ import annotations

import re

import pytest

from metavast.catalog.models import Product
from metavast.orders.services import order_cancel, order_start_processing
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.orders.timeline import order_timeline
from metavast.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


def _order(**kwargs):
    buyer = make_customer()
    variant = make_variant(price=2_000_000)
    fill_cart(buyer, (variant, 1))
    return place(buyer, **kwargs), variant


def _timeline_items(html: str) -> list[tuple[str, str]]:
    block = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return [
        (kind, re.sub(r"<[^>]+>", " ", body).split())
        for kind, body in re.findall(r'<li class="(\w+)">(.*?)</li>', block, re.S)
    ]


def test_unpaid_order_shows_every_step_ahead_greyed(client, shop):
    order, _ = _order()
    client.force_login(order.user)

    items = _timeline_items(client.get(order.get_absolute_url()).content.decode())

    assert [kind for kind, _ in items] == ["change", "ahead", "ahead", "ahead", "ahead"]
    assert [" ".join(words) for _, words in items[1:]] == [
        "مرحلهٔ پیش رو: پرداخت",
        "مرحلهٔ پیش رو: آماده‌سازی",
        "مرحلهٔ پیش رو: ارسال",
        "مرحلهٔ پیش رو: تحویل",
    ]


def test_failed_and_cancelled_bank_attempts_are_on_the_timeline(client, shop):
    order, _ = _order()
    for n, status in enumerate((PaymentStatus.FAILED, PaymentStatus.CANCELLED)):
        Payment.objects.create(
            order=order,
            gateway="sandbox",
            authority=f"a-{order.pk}-{n}",
            amount=order.total,
            status=status,
        )
    Payment.objects.create(  # still at the bank: not an outcome yet, not shown
        order=order,
        gateway="sandbox",
        authority=f"p-{order.pk}",
        amount=order.total,
        status=PaymentStatus.PENDING,
    )

    steps = order_timeline(order)

    failed = [s.text for s in steps if s.kind == "failed"]
    assert failed == ["تلاش برای پرداخت ناموفق بود", "پرداخت در درگاه بانک لغو شد"]
    client.force_login(order.user)
    html = client.get(order.get_absolute_url()).content.decode()
    assert html.count('<li class="failed">') == 2


def test_processing_cash_on_delivery_has_only_shipping_and_delivery_ahead(shop):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(), 1))
    order = place(buyer, shipping="tipax", payment="cod")
    assert order.status == "processing"
    assert [s.text for s in order_timeline(order) if s.kind == "ahead"] == ["ارسال", "تحویل"]


def test_cancelled_order_has_nothing_ahead(shop):
    order, _ = _order()
    order_cancel(order=order, actor=None, reason="customer")
    assert [s for s in order_timeline(order) if s.kind == "ahead"] == []


def test_paid_then_processing_moves_the_steps_ahead(shop):
    from metavast.invoices.tests.factories import paid_order

    order = paid_order()
    assert [s.text for s in order_timeline(order) if s.kind == "ahead"] == [
        "آماده‌سازی",
        "ارسال",
        "تحویل",
    ]
    order_start_processing(order=order, actor=None)
    assert [s.text for s in order_timeline(order) if s.kind == "ahead"] == ["ارسال", "تحویل"]


def test_back_link_points_the_rtl_way_and_lines_have_thumbnails(
    client, shop, django_assert_max_num_queries
):
    buyer = make_customer()
    variant = make_variant(price=2_000_000)
    others = [make_variant() for _ in range(3)]
    fill_cart(buyer, (variant, 1), *[(v, 1) for v in others])
    order = place(buyer)
    Product.objects.filter(pk=variant.product_id).update(cover_thumb="products/t/phone.webp")
    client.force_login(order.user)

    # A fixed number whatever the lines (session and layout included): no query per line.
    with django_assert_max_num_queries(22):
        html = client.get(order.get_absolute_url()).content.decode()

    assert '<span aria-hidden="true">→</span> سفارش‌های من' in html
    assert "← سفارش‌های من" not in html
    assert re.search(r'<img class="thumb" src="/media/products/t/phone\.webp"', html), html
