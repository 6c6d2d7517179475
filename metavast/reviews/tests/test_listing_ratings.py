"""Ratings on listing cards and the «بیشترین امتیاز» sort (issue 12): the product's rating
columns follow its approved reviews in the same transaction, cached listings follow the
ratings version, and the listing keeps its constant number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.catalog import cache as catalog_cache
from metavast.catalog import listing
from metavast.catalog.models import Product
from metavast.catalog.tests import factories
from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import Status
from metavast.reviews.services import (
    review_edit_own,
    review_edit_staff,
    review_hold_place,
    review_moderate,
    review_report,
    review_vote,
)
from metavast.reviews.tests.factories import data, make_review, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(shop):
    root = factories.category(name="کالای دیجیتال", slug="digital")
    mobile = factories.category(name="گوشی موبایل", slug="mobile", parent=root)
    tablet = factories.category(name="تبلت", slug="tablet", parent=root)
    low = factories.product("گوشی کم‌امتیاز", cat=mobile)
    high = factories.product("گوشی پرامتیاز", cat=mobile)
    unrated = factories.product("گوشی بی‌دیدگاه", cat=mobile)
    tab = factories.product("تبلت خوب", cat=tablet)
    moderator = make_staff("moderator")
    reviews = {
        "high5": make_review(high, rating=5, moderator=moderator),
        "high4": make_review(high, rating=4, moderator=moderator),
        "low": make_review(low, rating=2, moderator=moderator),
        "tab": make_review(tab, rating=4, moderator=moderator),
        "pending": make_review(unrated, rating=5, approved=False),
    }
    products = {"low": low, "high": high, "unrated": unrated, "tab": tab}
    return products, reviews, moderator


def columns(product) -> tuple[int, int]:
    return tuple(
        Product.objects.filter(pk=product.pk).values_list("rating_average", "rating_count").get()
    )


def titles_in(html: str) -> list[str]:
    return re.findall(r'<span class="card-title">([^<]+)</span>', html)


def card_of(html: str, title: str) -> str:
    (found,) = [c for c in html.split('<li class="card')[1:] if f">{title}<" in c]
    return found


def get(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_columns_follow_the_approved_reviews_only(rated):
    products, _reviews, _moderator = rated
    assert columns(products["high"]) == (45, 2)
    assert columns(products["low"]) == (20, 1)
    assert columns(products["tab"]) == (40, 1)
    assert columns(products["unrated"]) == (0, 0)  # a pending review counts for nothing


def test_every_change_of_the_approved_set_recomputes_the_columns(
    rated, django_capture_on_commit_callbacks
):
    products, reviews, moderator = rated
    high = products["high"]
    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(
            review=reviews["high4"], actor=moderator, to=Status.REJECTED, reject_reason="spam"
        )
    assert columns(high) == (50, 1)
    review_moderate(review=reviews["high4"], actor=moderator, to=Status.APPROVED)
    assert columns(high) == (45, 2)
    review_moderate(review=reviews["high4"], actor=moderator, to=Status.PENDING)  # to the queue
    assert columns(high) == (50, 1)
    review_moderate(review=reviews["high4"], actor=moderator, to=Status.APPROVED)

    # The author's edit sends it back to the queue: out of the rating until approved again.
    author = reviews["high4"].author
    review_edit_own(review=reviews["high4"], author=author, data=data(rating=1))
    assert columns(high) == (50, 1)
    review_moderate(review=reviews["high4"], actor=moderator, to=Status.APPROVED)
    assert columns(high) == (30, 2)

    # A customer's report brings it back to the queue.
    review_report(review=reviews["high4"], user=make_customer(), reason="false")
    assert columns(high) == (50, 1)

    # A legal hold takes it off the page.
    review_hold_place(
        review=reviews["high5"], actor=make_staff("legal_officer"), reason="نامهٔ دادسرا"
    )
    assert columns(high) == (0, 0)

    # Pending to approved on another product.
    review_moderate(review=reviews["pending"], actor=moderator, to=Status.APPROVED)
    assert columns(products["unrated"]) == (50, 1)


def test_changes_that_keep_the_approved_set_leave_the_columns_alone(rated):
    products, reviews, moderator = rated
    before = Product.objects.filter(pk=products["high"].pk).values().get()
    review_edit_staff(
        review=reviews["high5"],
        actor=moderator,
        reason="حذف شماره تلفن",
        title="عنوان تازه",
        body="متنی که مدیر برای رعایت قوانین ویرایش کرد.",
    )
    review_vote(review=reviews["high5"], user=make_customer(), is_helpful=True)
    review_moderate(review=reviews["high5"], actor=moderator, to=Status.APPROVED)  # no-op
    assert Product.objects.filter(pk=products["high"].pk).values().get() == before


def test_cards_show_stars_count_and_accessible_text_in_persian(client, rated):
    html = get(client, "/c/mobile/")
    high = card_of(html, "گوشی پرامتیاز")
    assert '<span class="stars" aria-hidden="true">★★★★★</span>' in high
    assert "۴٫۵" in high and "(۲)" in high
    assert '<span class="sr-only">امتیاز ۴٫۵ از ۵ (۲ دیدگاه)</span>' in high
    low = card_of(html, "گوشی کم‌امتیاز")
    assert "★★☆☆☆" in low and "امتیاز ۲٫۰ از ۵ (۱ دیدگاه)" in low
    assert "card-rating" not in card_of(html, "گوشی بی‌دیدگاه")  # nothing without reviews


def test_card_rating_text_is_escaped_and_empty_without_reviews():
    row = {
        "id": 1,
        "title": "<b>عنوان</b>",
        "slug": "x",
        "price": 10,
        "compare_at_price": None,
        "in_stock": True,
        "cover_thumb": "",
        "brand_name": "",
        "rating_average": 38,
        "rating_count": 1234,
    }
    html = listing.card(row)["html"]
    assert "&lt;b&gt;عنوان&lt;/b&gt;" in html
    assert "امتیاز ۳٫۸ از ۵ (۱۲۳۴ دیدگاه)" in html and "★★★★☆" in html
    assert "card-rating" not in listing.card({**row, "rating_count": 0})["html"]


@pytest.mark.parametrize("path", ["/c/digital/", "/c/mobile/"])
def test_highest_rated_sort_on_category_pages(client, rated, path):
    html = get(client, path)
    assert re.search(r'<a[^>]*href="[^"]*sort=rating[^"]*"[^>]*>بیشترین امتیاز</a>', html)
    titles = titles_in(get(client, path, {"sort": "rating"}))
    expected = ["گوشی پرامتیاز", "تبلت خوب", "گوشی کم‌امتیاز", "گوشی بی‌دیدگاه"]
    assert titles == [t for t in expected if t in titles] and len(titles) >= 3
    # The parent category (merged per subcategory on PostgreSQL) lists the same order.
    if path == "/c/digital/":
        assert titles == expected


def test_highest_rated_sort_on_the_search_page(client, rated):
    html = get(client, "/search/", {"q": "گوشی"})
    assert "بیشترین امتیاز" in html
    titles = titles_in(get(client, "/search/", {"q": "گوشی", "sort": "rating"}))
    assert titles == ["گوشی پرامتیاز", "گوشی کم‌امتیاز", "گوشی بی‌دیدگاه"]


def test_the_api_sorts_by_rating_and_returns_it(client, rated):
    response = client.get("/api/v1/catalog/products", {"category": "mobile", "sort": "rating"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["title"] for i in items] == ["گوشی پرامتیاز", "گوشی کم‌امتیاز", "گوشی بی‌دیدگاه"]
    assert [(i["rating_average"], i["rating_count"]) for i in items] == [(45, 2), (20, 1), (0, 0)]


def test_a_review_approval_refreshes_cached_listings_but_not_the_catalog_version(
    client, rated, django_capture_on_commit_callbacks
):
    _products, reviews, moderator = rated
    assert "card-rating" not in card_of(get(client, "/c/mobile/"), "گوشی بی‌دیدگاه")
    again = client.get("/c/mobile/")
    assert again["X-Catalog-Cache"] == "hit"  # served from the page cache
    catalog_before = catalog_cache.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(review=reviews["pending"], actor=moderator, to=Status.APPROVED)

    fresh = client.get("/c/mobile/")
    assert not fresh.has_header("X-Catalog-Cache")
    assert "امتیاز ۵٫۰ از ۵ (۱ دیدگاه)" in card_of(fresh.content.decode(), "گوشی بی‌دیدگاه")
    # Only the ratings version moved: cached counts, facets and the tree stay valid.
    assert catalog_cache.catalog_version() == catalog_before


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_rating_sort_keeps_the_listing_query_count_constant(client, rated, settings):
    settings.CATALOG_PAGE_CACHE = False
    products, _reviews, moderator = rated
    mobile = products["high"].category
    for url in ("/c/digital/?sort=rating", "/c/mobile/?sort=rating", "/search/?q=گوشی&sort=rating"):
        client.get(url)  # warm the tree, facets and header fragments
    small = [queries(client, u) for u in ("/c/digital/?sort=rating", "/c/mobile/?sort=rating")]
    for i in range(12):
        item = factories.product(f"گوشی تازه {i}", cat=mobile)
        make_review(item, rating=1 + i % 5, moderator=moderator)
    client.get("/c/digital/?sort=rating")
    big = [queries(client, u) for u in ("/c/digital/?sort=rating", "/c/mobile/?sort=rating")]
    assert small == big
    assert max(big) <= 3


def test_the_rating_sort_has_its_indexes():
    names = {index.name: index.fields for index in Product._meta.indexes}
    assert names["product_cat_rated"] == [
        "category",
        "is_published",
        "-rating_average",
        "-rating_count",
        "-id",
    ]
    assert names["product_rated"] == ["is_published", "-rating_average", "-rating_count", "-id"]
