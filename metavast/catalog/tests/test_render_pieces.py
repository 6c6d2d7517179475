"""The pieces that pages build in Python instead of the template engine (issue 16): the facet
checkboxes, the memo of product cards, and base.html's footer and asset URLs."""

import pytest
from django.template.loader import render_to_string
from django.templatetags.static import static

from metavast.catalog import listing
from metavast.catalog.templatetags.catalog_tags import facet_groups
from metavast.storefront.models import Page
from metavast.storefront.services import page_upsert
from metavast.storefront.templatetags.storefront_tags import asset

FACETS = {
    "brands": [
        {"slug": "samsung", "name": "سامسونگ <b>&", "count": 12, "checked": True},
        {"slug": "a'b", "name": "اپل", "count": 0, "checked": False},
        {"slug": "lg", "name": "ال‌جی", "count": 0, "checked": True},
    ],
    "attributes": [
        {
            "slug": "storage",
            "name": 'حافظه "داخلی"',
            "values": [
                {"key": "128", "label": "۱۲۸ گیگابایت", "count": 3, "checked": False},
                {"key": "256", "label": "۲۵۶ گیگابایت", "count": 0, "checked": False},
            ],
        }
    ],
}


def test_facet_groups_marks_ticked_and_empty_values_and_escapes():
    html = facet_groups(FACETS)

    assert html.startswith('<div id="facet-groups">\n\n<fieldset><legend>برند</legend>\n  ')
    assert (
        '<label class="check"><input type="checkbox" name="brand" value="samsung" checked>'
        ' سامسونگ &lt;b&gt;&amp; <span class="muted">(۱۲)</span></label>'
    ) in html
    # no product and not ticked: greyed out; ticked stays normal even at zero
    assert '<label class="check none"><input type="checkbox" name="brand" value="a&#x27;b">' in html
    assert '<label class="check"><input type="checkbox" name="brand" value="lg" checked>' in html
    assert "<legend>حافظه &quot;داخلی&quot;</legend>" in html
    assert 'name="spec_storage" value="256"> ۲۵۶ گیگابایت <span class="muted">(۰)</span>' in html
    assert html.endswith("</fieldset>\n\n</div>\n")
    assert "hx-swap-oob" not in html


def test_facet_groups_out_of_band_and_empty():
    assert (
        facet_groups(None, oob=True) == '<div id="facet-groups" hx-swap-oob="true">\n\n\n</div>\n'
    )
    assert facet_groups({"brands": [], "attributes": []}) == '<div id="facet-groups">\n\n\n</div>\n'


ROW = {
    "id": 1,
    "title": "گوشی A15",
    "slug": "a15",
    "price": 100_000,
    "compare_at_price": 120_000,
    "in_stock": True,
    "cover_thumb": "p/a15.jpg",
    "brand_name": "سامسونگ",
    "rating_average": 0,
    "rating_count": 0,
}


def test_card_memo_follows_every_shown_value():
    first = listing.card(ROW, basis_points=1000)
    again = listing.card(dict(ROW), basis_points=1000)
    cheaper = listing.card({**ROW, "price": 90_000}, basis_points=1000)
    sold_out = listing.card({**ROW, "in_stock": False}, basis_points=1000)
    other_rate = listing.card(ROW, basis_points=0)

    assert again == first and again is not first  # a copy: callers may change theirs
    assert cheaper["price_text"] != first["price_text"] and cheaper["html"] != first["html"]
    assert "ناموجود" in sold_out["html"] and "ناموجود" not in first["html"]
    assert other_rate["price_text"] != first["price_text"]
    assert first["price_text"] == listing._build_card(ROW, "/media/", 1000)["price_text"]


@pytest.mark.django_db
def test_cards_read_the_rate_once_and_match_card():
    rows = [ROW, {**ROW, "id": 2, "slug": "a25", "title": "گوشی A25"}]

    assert listing.cards(rows) == [listing.card(r) for r in rows]


@pytest.mark.django_db
def test_footer_shows_a_page_edit_at_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page_upsert(slug="about", title="دربارهٔ ما", body="x")
    html = render_to_string("base.html", {})
    assert '<a href="/p/about/">دربارهٔ ما</a>' in html

    with django_capture_on_commit_callbacks(execute=True):
        page_upsert(slug="about", title="دربارهٔ متاوست", body="x")
        Page.objects.create(slug="faq", title="پرسش‌ها <و> پاسخ‌ها", body="y")
    html = render_to_string("base.html", {})

    assert '<a href="/p/about/">دربارهٔ متاوست</a>' in html
    assert '<a href="/p/faq/">پرسش‌ها &lt;و&gt; پاسخ‌ها</a>' in html
    assert "دربارهٔ ما<" not in html


def test_asset_is_the_static_url():
    assert asset("storefront/css/site.css") == static("storefront/css/site.css")
