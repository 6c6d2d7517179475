"""Facet counts follow the other filters (catalog/facets.py); colour swatches; the listing's
filter sheet markup."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.catalog import listing
from metavast.catalog.colours import css_colour, variant_swatch
from metavast.catalog.facets import facet_counts
from metavast.catalog.tests import factories
from metavast.catalog.tree import category_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones():
    mobile = factories.category(name="گوشی موبایل", slug="mobile")
    storage = factories.attribute(name="حافظه", slug="storage")
    samsung = factories.brand(name="سامسونگ", latin="Samsung")
    apple = factories.brand(name="اپل", latin="Apple")
    for title, brand, size, on_hand in (
        ("گوشی سامسونگ A15", samsung, "128 گیگابایت", 5),
        ("گوشی سامسونگ A25", samsung, "256 گیگابایت", 5),
        ("گوشی سامسونگ S24", samsung, "256 گیگابایت", 0),
        ("گوشی اپل آیفون 15", apple, "128 گیگابایت", 5),
    ):
        factories.product(title, cat=mobile, brand=brand, specs=[(storage, size)], on_hand=on_hand)
    return {"node": category_tree().find("mobile"), "samsung": samsung, "apple": apple}


def counts(facets) -> dict:
    brands = {b["name"]: b["count"] for b in facets["brands"]}
    values = {v["key"]: v["count"] for a in facets["attributes"] for v in a["values"]}
    return {"brands": brands, "values": values}


def filters_of(**params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return listing.parse_filters(query)


def test_without_filters_the_counts_are_the_categorys(phones):
    got = counts(facet_counts(phones["node"], filters_of()))
    assert got == {
        "brands": {"سامسونگ": 3, "اپل": 1},
        "values": {"128 گیگابایت": 2, "256 گیگابایت": 2},
    }


def test_a_brand_narrows_the_spec_counts_but_not_the_brand_counts(phones):
    got = counts(facet_counts(phones["node"], filters_of(brand=phones["apple"].slug)))
    # Brands ignore their own choice: Samsung still shows its 3.
    assert got["brands"] == {"سامسونگ": 3, "اپل": 1}
    # Storage follows the brand: Apple has only a 128 GB phone; 256 shows 0, not dropped.
    assert got["values"] == {"128 گیگابایت": 1, "256 گیگابایت": 0}


def test_a_spec_value_and_stock_narrow_the_brand_counts(phones):
    got = counts(facet_counts(phones["node"], filters_of(spec_storage="256 گیگابایت", stock="1")))
    assert got["brands"] == {"سامسونگ": 1, "اپل": 0}  # the S24 is sold out
    # Storage ignores its own choice but keeps the stock filter.
    assert got["values"] == {"128 گیگابایت": 2, "256 گیگابایت": 1}


def test_counts_cost_a_fixed_number_of_queries_and_are_cached(phones):
    filters = filters_of(brand=phones["samsung"].slug, spec_storage="128 گیگابایت", stock="1")
    facet_counts(phones["node"], filters_of())  # the category's own facets, cached
    with CaptureQueriesContext(connection) as first:
        facet_counts(phones["node"], filters)
    # brands, the storage choice without itself (no attribute is left without a choice)
    assert len(first.captured_queries) <= 3
    with CaptureQueriesContext(connection) as second:
        facet_counts(phones["node"], filters)
    assert len(second.captured_queries) == 0


def test_htmx_swap_sends_the_facet_counts_out_of_band(client, phones):
    html = client.get(
        "/c/mobile/", {"brand": phones["apple"].slug}, headers={"HX-Request": "true"}
    ).content.decode()
    assert html.startswith('<div id="results"')
    assert '<div id="facet-groups" hx-swap-oob="true">' in html
    assert re.search(r'value="256 گیگابایت"> [^<]+<span class="muted">\(۰\)</span>', html)


def test_the_filter_panel_is_closed_by_default_even_when_filtered(client, phones):
    html = client.get("/c/mobile/", {"stock": "1"}).content.decode()
    assert '<details class="filters" id="filters">' in html  # no "open": a phone sees results
    assert "بستن ×" in html


def test_colour_names_map_to_swatches_unknown_ones_do_not():
    assert css_colour("مشکی") == "#1b1b1b"
    assert css_colour("نقره ای") == css_colour("نقره‌ای") != ""  # ZWNJ or space: one name
    assert css_colour("طلايي") == css_colour("طلایی")  # Arabic yeh
    assert variant_swatch([["حافظه", "۱۲۸"], ["رنگ", "آبی"]]) == {"name": "آبی", "css": "#1e63d6"}
    assert variant_swatch([["رنگ", "ارغوانی کهکشانی"]]) == {"name": "ارغوانی کهکشانی", "css": ""}
    assert variant_swatch([["سایز", "XL"]]) is None


def test_product_page_draws_a_dot_for_known_colours_only(client):
    item = factories.product("تیشرت نخی", variants=1, options=[("رنگ", "سبز")])
    from metavast.catalog.services import variant_create

    variant_create(
        product=item, sku="TS-2", price=1_000_000, on_hand=3, options=[("رنگ", "کهکشانی")]
    )
    html = client.get(f"/product/{item.slug}/").content.decode()
    assert html.count('<svg class="swatch"') == 1
    assert 'fill="#1a8f3a"' in html
    assert "کهکشانی" in html


def test_search_htmx_swap_sends_brand_counts_out_of_band(client, phones):
    html = client.get(
        "/search/", {"q": "گوشی", "stock": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert html.startswith('<div id="results"')
    assert '<div id="facet-groups" hx-swap-oob="true">' in html
    # In stock only: Samsung has two phones left (the S24 is sold out), Apple one.
    assert re.search(r"سامسونگ <span class=\"muted\">\(۲\)</span>", html)
    assert '<span id="filters-dot" class="dot" hx-swap-oob="true">●' in html
