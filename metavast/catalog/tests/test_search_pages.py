"""The search results page, the suggestions and the API tell the same, honest story."""

import re

import pytest
from django.utils.html import escape

from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db
ZWNJ = "\u200c"


@pytest.fixture
def shop():
    samsung = factories.brand(name="سامسونگ", latin="Samsung")
    apple = factories.brand(name="اپل", latin="Apple")
    xiaomi = factories.brand(name="شیائومی", latin="Xiaomi")
    mobile = factories.category(name="گوشی موبایل", slug="mobile")
    laptop = factories.category(name=f"لپ{ZWNJ}تاپ", slug="laptop")
    factories.product("گوشی موبایل سامسونگ مدل Galaxy A15", cat=mobile, brand=samsung)
    factories.product("گوشی موبایل سامسونگ مدل Galaxy S24", cat=mobile, brand=samsung)
    factories.product("گوشی موبایل اپل مدل iPhone 13", cat=mobile, brand=apple)
    factories.product("گوشی موبایل شیائومی مدل Xiaomi 14", cat=mobile, brand=xiaomi)
    factories.product(f"لپ{ZWNJ}تاپ اپل مدل MacBook Air", cat=laptop, brand=apple)


# Pages show titles with Persian digits («iPhone ۱۳»); the API returns them as stored.


def heading(html: str) -> str:
    return re.search(r'<h1 class="page-title">(.*?)</h1>', html, re.S).group(1)


def test_heading_shows_the_query_exactly_as_typed(client, shop):
    for typed in ("شیائومی ۱۴", f"لپ{ZWNJ}تاپ", "  آيفون 13 "):
        html = client.get("/search/", {"q": typed}).content.decode()
        assert f'<bdi class="typed-query">{typed.strip()}</bdi>' in heading(html), typed


def test_heading_is_escaped(client, shop):
    html = client.get("/search/", {"q": "<b>گوشی</b>"}).content.decode()
    assert escape("<b>گوشی</b>") in heading(html)
    assert "<b>گوشی</b>" not in html


def test_two_spellings_of_one_query_are_cached_apart(client, shop):
    first = client.get("/search/", {"q": "شیائومی"}).content.decode()
    second = client.get("/search/", {"q": "شيائومي"}).content.decode()  # Arabic yeh
    assert "شیائومی" in heading(first) and "شيائومي" in heading(second)


def test_count_and_facets_match_the_results(client, shop):
    html = client.get("/search/", {"q": "گوشی"}).content.decode()
    assert "۴ کالا برای «گوشی»" in html
    assert html.count('<li class="card') == 4
    assert re.search(r"سامسونگ <span class=\"muted\">\(۲\)</span>", html)
    assert re.search(r"اپل <span class=\"muted\">\(۱\)</span>", html)
    assert re.search(r"شیائومی <span class=\"muted\">\(۱\)</span>", html)


def test_empty_page_has_no_sort_tabs_or_zero_count_but_suggestions(client, shop):
    html = client.get("/search/", {"q": "زرافه"}).content.decode()
    assert 'class="sorts"' not in html
    assert "۰ کالا" not in html
    assert "برای «زرافه» کالایی پیدا نشد." in html
    assert "پرفروش‌ترین‌ها" in html and html.count('<li class="card') == 5  # popular products
    assert "فیلترها" not in html


def test_empty_page_suggests_close_categories(client, shop):
    html = client.get("/search/", {"q": "گوشیی زرافه"}).content.decode()
    assert "شاید در این دسته‌ها" in html or "منظور شما" in html


def test_a_long_unrelated_word_is_near_no_category_word():
    """A word of six letters or more far from every category name (here «آبمیوه‌گیری»,
    juicer) must not be taken for a typo of each of them."""
    from metavast.catalog.listing_search import _is_near

    for word in ("آبمیوهگیری", "مانتوهای", "پارچه‌ای"):
        assert not any(_is_near(word, part) for part in ("گوشی", "موبایل", "کالای", "دیجیتال"))
    assert _is_near("موبایلل", "موبایل")  # one extra letter is still a typo
    assert _is_near("دیجیتل", "دیجیتال")  # a dropped alef costs little


def test_correction_is_said_with_a_link(client, shop):
    html = client.get("/search/", {"q": "سامسوگ"}).content.decode()
    assert "منظور شما «" in html
    assert 'href="/search/?q=%D8%B3%D8%A7%D9%85%D8%B3%D9%88%D9%86%DA%AF"' in html  # سامسونگ
    assert html.count('<li class="card') == 2


def test_cross_script_page_is_not_called_a_typo(client, shop):
    html = client.get("/search/", {"q": "آیفون ۱۳"}).content.decode()
    assert "منظور شما" not in html
    assert "۱ کالا برای «آیفون ۱۳»" in html
    assert "iPhone ۱۳" in html


def test_ignored_words_are_listed(client, shop):
    html = client.get("/search/", {"q": "گوشی اپل ارزان"}).content.decode()
    assert "iPhone ۱۳" in html and "«ارزان»" in html


def test_suggestions_understand_like_the_page(client, shop):
    html = client.get("/search/suggest/", {"q": "آیفون"}).content.decode()
    assert "iPhone ۱۳" in html
    html = client.get("/search/suggest/", {"q": "سامسوگ"}).content.decode()
    assert "Galaxy A15" in html and "منظور شما" in html
    html = client.get("/search/suggest/", {"q": "گوشی ارزان"}).content.decode()
    assert "/c/mobile/" in html and "Galaxy S24" in html


def test_suggestions_correct_only_to_whole_catalog_words(client, shop):
    """QA: typing «آیف» (of «آیفون») suggested «منظور شما «کیف» بود؟» with bags, «هواوی»
    «های», and «شیاعومی» the key «شیایومی» instead of «شیائومی»."""
    factories.product("کیف چرمی دوشی کد 800")
    factories.product("کتاب قصه‌های خوب برای بچه‌های خوب")
    for typed in ("آیف", "هواوی", "ال جی"):
        html = client.get("/search/suggest/", {"q": typed}).content.decode()
        assert "منظور شما" not in html and "کیف چرمی" not in html, typed
        assert "قصه" not in html, typed
    html = client.get("/search/suggest/", {"q": "شیاعومی"}).content.decode()
    assert "منظور شما «شیائومی» بود؟" in html and "Xiaomi ۱۴" in html


def test_api_tells_the_same(client, shop):
    body = client.get("/api/v1/catalog/products", {"q": "سامسوگ ارزان"}).json()
    assert body["count"] == 2 and len(body["items"]) == 2
    assert body["corrected_query"] == "سامسونگ"
    assert body["ignored_words"] == ["ارزان"]
    assert body["fuzzy"] is True and body["partial"] is False
    body = client.get("/api/v1/catalog/products", {"q": "macbook"}).json()
    assert [i["title"] for i in body["items"]] == [f"لپ{ZWNJ}تاپ اپل مدل MacBook Air"]
    assert body["corrected_query"] == "" and body["fuzzy"] is False


def test_a_pasted_paragraph_reaches_the_shop_and_is_cut(client, shop):
    """QA: a query of ~700 characters got gunicorn's English «414 URI Too Long». The box
    stops at what the search keeps, and gunicorn lets a longer URL through to Django."""
    from config import gunicorn_local
    from metavast.catalog import search

    response = client.get("/search/", {"q": "گوشی سامسونگ " * 400})
    html = response.content.decode()
    assert response.status_code == 200 and "Galaxy A15" in html
    box = re.search(r'<input id="q"[^>]*>', html).group(0)
    assert f'maxlength="{search.MAX_QUERY_CHARS}"' in box
    assert gunicorn_local.limit_request_line == 8190  # gunicorn's largest
