"""A sale doesn't empty the page cache (issue 16, item 4).

(The home page is not a cached page; its sections are cached values, sales-epoch versioned.)

Every cached listing is stored with the catalog version. A sale that leaves a product
buyable at the same price changes nothing a listing shows, so it bumps only that product's
page version; the listings stay hits. Here: warm a set of listing pages, make 100 real
sales (place, pay, ship: stock reserved, committed and the listing columns refreshed), and
request every listing after each sale: more than 90 % must be hits. A sale that sells a
product out does change the listing (in stock first), and that page must show it at once.
"""

from __future__ import annotations

import random

import pytest

from metavast.catalog.models import Product
from metavast.orders.services import order_mark_paid
from metavast.orders.tests.factories import (  # noqa: F401 (shop is a fixture)
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop")]

HIT = "hit"


def _listing_urls(slug: str) -> list[str]:
    base = f"/c/{slug}/"
    return [
        base,
        f"{base}?sort=cheapest",
        f"{base}?sort=expensive",
        f"{base}?page=2",
        f"{base}?min_price=100000&max_price=9000000",
        f"{base}?stock=1",
        "/search/?q=" + "کالای",
        "/search/?q=کالای&sort=bestselling",
    ]


def _sell(variant, buyer) -> None:
    fill_cart(buyer, (variant, 1))
    order = place(buyer)
    order_mark_paid(order_id=order.pk, payment_id=random.randrange(10**9))


def test_listing_pages_stay_cached_through_100_sales(
    client, django_capture_on_commit_callbacks, settings
):
    settings.CATALOG_PAGE_CACHE = True
    with django_capture_on_commit_callbacks(execute=True):
        variants = [
            make_variant(title=f"کالای پرفروش {i}", price=1_000_000 + 10_000 * i, on_hand=10_000)
            for i in range(30)
        ]
    slug = variants[0].product.category.slug
    urls = _listing_urls(slug)
    for url in urls:
        assert client.get(url).status_code == 200  # warm
    buyers = [make_customer() for _ in range(100)]  # one order each: no placing limit
    rng = random.Random(16)

    hits = total = 0
    for n in range(100):
        with django_capture_on_commit_callbacks(execute=True):
            _sell(rng.choice(variants), buyers[n % len(buyers)])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            total += 1
            hits += response.get("X-Catalog-Cache") == HIT

    share = hits / total
    print(f"listing-page cache hits after each of 100 sales: {hits}/{total} = {share:.1%}")
    assert share > 0.9


def test_a_sale_that_sells_out_shows_at_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        last = make_variant(title="کالای تک‌عددی", price=2_000_000, on_hand=1)
    url = f"/c/{last.product.category.slug}/"
    client.get(url)
    assert client.get(url)["X-Catalog-Cache"] == HIT

    with django_capture_on_commit_callbacks(execute=True):
        _sell(last, make_customer())

    assert Product.objects.get(pk=last.product_id).in_stock is False
    response = client.get(url)
    assert response.get("X-Catalog-Cache") != HIT  # rebuilt: the listing changed
