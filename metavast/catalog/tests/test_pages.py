"""Category, product and search pages: filters, sorting, paging, SEO, caching, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.catalog.models import Product
from metavast.catalog.services import (
    category_changed,
    product_update,
    stock_reserve,
    variant_set_price,
)
from metavast.catalog.tests import factories
from metavast.core.text import to_ascii_digits

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    root = factories.category(name="کالای دیجیتال", slug="digital")
    mobile = factories.category(name="گوشی موبایل", slug="mobile", parent=root)
    storage = factories.attribute(name="حافظه", slug="storage")
    samsung = factories.brand(name="سامسونگ", latin="Samsung")
    apple = factories.brand(name="اپل", latin="Apple")
    items = {
        "a15": factories.product(
            "گوشی سامسونگ A15", cat=mobile, brand=samsung, price=80_000_000,
            specs=[(storage, "128 گیگابایت")],
        ),
        "s24": factories.product(
            "گوشی سامسونگ S24", cat=mobile, brand=samsung, price=400_000_000,
            specs=[(storage, "۲۵۶ گیگابایت")], compare_at_price=450_000_000,
        ),
        "iphone": factories.product(
            "گوشی اپل آیفون ۱۵", cat=mobile, brand=apple, price=600_000_000, on_hand=0,
            specs=[(storage, "۱۲۸ گیگابایت")],
        ),
    }  # fmt: skip
    return {"root": root, "mobile": mobile, "items": items}


def titles_in(html: str) -> list[str]:
    return re.findall(r'<span class="card-title">([^<]+)</span>', html)


def get(client, url, data=None, **headers):
    response = client.get(url, data or {}, headers=headers)
    assert response.status_code == 200, response
    return response.content.decode()


def test_category_lists_its_subcategories_products_bestselling_in_stock_first(client, shop):
    # The default sort: in stock first, then the most sold (the iPhone sold most, but is out).
    for key, sold in (("a15", 5), ("s24", 1), ("iphone", 9)):
        Product.objects.filter(pk=shop["items"][key].pk).update(sold_count=sold)
    html = get(client, "/c/digital/")
    titles = [to_ascii_digits(t) for t in titles_in(html)]
    assert titles == ["گوشی سامسونگ A15", "گوشی سامسونگ S24", "گوشی اپل آیفون 15"]
    assert 'aria-current="true" class="on">پرفروش‌ترین</a>' in html
    assert '<link rel="canonical" href="/c/digital/">' in html
    assert "<title>کالای دیجیتال | متاوست</title>" in html
    assert 'href="/c/mobile/"' in html  # subcategory chip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "cheapest"}, ["گوشی سامسونگ A15", "گوشی سامسونگ S24", "گوشی اپل آیفون ۱۵"]),
        ({"sort": "dearest"}, ["گوشی سامسونگ S24", "گوشی سامسونگ A15", "گوشی اپل آیفون ۱۵"]),
        ({"stock": "1"}, ["گوشی سامسونگ S24", "گوشی سامسونگ A15"]),
        # prices are typed in Toman, with Persian digits if the shopper likes
        ({"min": "۱۰٬۰۰۰٬۰۰۰", "max": "50000000"}, ["گوشی سامسونگ S24"]),
        # the default sort puts what is in stock first: the iPhone is sold out
        ({"spec_storage": "128 گیگابایت"}, ["گوشی سامسونگ A15", "گوشی اپل آیفون ۱۵"]),
        ({"sort": "nonsense", "page": "-3", "min": "abc"}, None),  # garbage is ignored
    ],
)
def test_category_filters_and_sorting(client, shop, params, expected):
    html = get(client, "/c/mobile/", params)
    if expected is None:
        assert len(titles_in(html)) == 3
    else:
        assert titles_in(html) == expected


def test_brand_filter(client, shop):
    brand_slug = shop["items"]["iphone"].brand.slug
    assert titles_in(get(client, "/c/mobile/", {"brand": brand_slug})) == ["گوشی اپل آیفون ۱۵"]


def test_facets_show_brands_and_spec_values(client, shop):
    html = get(client, "/c/mobile/")
    assert "سامسونگ" in html and "(۲)" in html
    # «128 گیگابایت» and «۱۲۸ گیگابایت» are one facet value
    assert html.count('name="spec_storage" value="128 گیگابایت"') == 1


def test_htmx_filter_returns_only_the_results(client, shop):
    html = get(client, "/c/mobile/", {"sort": "cheapest"}, HX_Request="true")
    assert html.startswith('<div id="results"')
    assert "<html" not in html


def test_pagination(client, shop, settings):
    from metavast.catalog import listing

    for i in range(listing.PER_PAGE + 2):
        factories.product(f"قاب گوشی {i}", cat=shop["mobile"])
    first = get(client, "/c/mobile/")
    second = get(client, "/c/mobile/", {"page": "2"})
    assert len(titles_in(first)) == listing.PER_PAGE
    assert len(titles_in(second)) == 5
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert "صفحهٔ ۲ از ۲" in second
    assert get(client, "/c/mobile/", {"page": "۲"}) == second  # Persian digits are page 2
    for garbage in ("abc", "-1", "0", "2.5"):
        assert get(client, "/c/mobile/", {"page": garbage}) == first, garbage


def test_a_page_past_the_end_says_so_not_that_nothing_was_found(client, shop):
    """QA: «?page=999» of a category with products said «کالایی با این فیلترها پیدا نشد»,
    and a search's «?page=99» that nothing was found for a word with 16 results."""
    for url, params in (
        ("/c/digital/", {"page": "999"}),
        ("/c/digital/", {"page": "2", "sort": "cheapest"}),
        ("/search/", {"q": "سامسونگ", "page": "99"}),
    ):
        response = client.get(url, params)
        html = response.content.decode()
        assert response.status_code == 404, params
        assert "این صفحه وجود ندارد" in html and "پیدا نشد" not in html, params
        first = re.search(r'<a href="([^"]+)">رفتن به صفحهٔ اول</a>', html).group(1)
        assert "page=" not in first
        again = client.get(first.replace("&amp;", "&"))
        assert again.status_code == 200 and titles_in(again.content.decode()), first
    # Past the end is not a miss: the shopper's words were found.
    from metavast.catalog.models import ZeroResultQuery

    assert not ZeroResultQuery.objects.exists()


def test_unknown_or_hidden_category_is_404(client, shop, django_capture_on_commit_callbacks):
    assert client.get("/c/nothing/").status_code == 404
    assert client.get("/c/a%00b/").status_code == 404
    shop["root"].is_visible = False
    shop["root"].save()
    from metavast.catalog.services import category_changed

    with django_capture_on_commit_callbacks(execute=True):
        category_changed(category=shop["root"])
    assert client.get("/c/mobile/").status_code == 404


def test_product_page(client, shop):
    item = shop["items"]["s24"]
    html = get(client, f"/product/{item.slug}/")
    assert '<h1 itemprop="name">گوشی سامسونگ S24</h1>' in html
    assert 'itemtype="https://schema.org/Product"' in html
    # Prices shown include VAT (10 %): 400,000,000 Rials net is 440,000,000.
    assert '<meta itemprop="price" content="440000000">' in html
    assert '<meta itemprop="priceCurrency" content="IRR">' in html
    assert "۴۴٬۰۰۰٬۰۰۰ تومان" in html  # Rials shown as Toman, VAT included
    assert "۴۹٬۵۰۰٬۰۰۰ تومان" in html and "٪۱۱" in html
    assert f'<link rel="canonical" href="/product/{item.slug}/">' in html
    assert 'href="/c/digital/"' in html and 'href="/c/mobile/"' in html  # breadcrumbs
    assert "۲۵۶ گیگابایت" in html  # specifications


def test_variant_selector_swaps_the_buy_box(client):
    item = factories.product("تی‌شرت", variants=3, price=5_000_000)
    second = item.variants.order_by("position")[1]
    html = get(client, f"/product/{item.slug}/")
    assert html.count('<a class="variant') == 3
    fragment = get(client, f"/product/{item.slug}/", {"v": str(second.pk)}, HX_Request="true")
    assert fragment.startswith('<div id="buybox"')
    assert "۵۵۱٬۱۰۰ تومان" in fragment  # 5,010,000 Rials + 10 % VAT


def test_sold_out_product(client, shop):
    html = get(client, f"/product/{shop['items']['iphone'].slug}/")
    assert "ناموجود" in html and "https://schema.org/OutOfStock" in html
    assert "افزودن به سبد خرید" not in html


def test_unpublished_product_is_404(client, shop):
    item = shop["items"]["a15"]
    product_update(product=item, is_published=False)
    assert client.get(f"/product/{item.slug}/").status_code == 404


def test_search_page(client, shop):
    html = get(client, "/search/", {"q": "سامسونگ"})
    assert set(titles_in(html)) == {"گوشی سامسونگ A15", "گوشی سامسونگ S24"}
    assert '<meta name="robots" content="noindex">' in html
    html = get(client, "/search/", {"q": "گوشي", "sort": "cheapest", "stock": "1"})
    assert titles_in(html) == ["گوشی سامسونگ A15", "گوشی سامسونگ S24"]
    assert "کالایی با این فیلترها" not in get(client, "/search/")


def test_sitemap(client, shop):
    index = get(client, "/sitemap.xml")
    assert "sitemap-products.xml" in index and "sitemap-categories.xml" in index
    products = get(client, "/sitemap-products.xml")
    assert f"/product/{shop['items']['a15'].slug}/" in products
    assert "/c/mobile/" in get(client, "/sitemap-categories.xml")


def test_home_shows_categories_and_products(client, shop):
    html = get(client, "/")
    assert "دسته‌بندی‌های ویژه" in html or 'class="tiles"' in html
    assert "گوشی سامسونگ S24" in html  # newest in stock
    assert '<nav class="catnav"' in html and 'href="/c/digital/"' in html


# --- caching ---


def test_anonymous_pages_are_cached_and_price_change_invalidates(
    client, shop, django_capture_on_commit_callbacks
):
    item = shop["items"]["a15"]
    url = f"/product/{item.slug}/"
    assert client.get(url).get("X-Catalog-Cache") is None
    assert client.get(url)["X-Catalog-Cache"] == "hit"
    assert client.get("/c/mobile/").get("X-Catalog-Cache") is None
    assert client.get("/c/mobile/")["X-Catalog-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        variant_set_price(variant=item.variants.get(), price=70_000_000)

    for page in (url, "/c/mobile/"):
        response = client.get(page)
        assert response.get("X-Catalog-Cache") is None
        assert "۷٬۷۰۰٬۰۰۰ تومان" in response.content.decode()  # 10 % VAT included


def test_stock_change_invalidates_product_page(client, shop, django_capture_on_commit_callbacks):
    item = shop["items"]["a15"]
    url = f"/product/{item.slug}/"
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(variant_id=item.variants.get().pk, quantity=3)
    html = client.get(url).content.decode()
    assert "تنها ۲ عدد" in html


def test_signed_in_visitors_never_get_or_fill_the_shared_cache(client, shop, django_user_model):
    user = django_user_model.objects.create_user("shopper@example.com", "a-long-password-1")
    client.force_login(user)
    first = client.get("/c/mobile/")
    second = client.get("/c/mobile/")
    assert first.get("X-Catalog-Cache") is None and second.get("X-Catalog-Cache") is None
    assert "حساب من" in second.content.decode()

    client.logout()
    client.cookies.clear()
    anonymous = client.get("/c/mobile/").content.decode()
    assert "حساب من" not in anonymous and "ورود" in anonymous


# --- query counts: constant in page size and catalog size ---


def queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


def test_category_query_count_is_constant(client, shop, settings, django_assert_max_num_queries):
    settings.CATALOG_PAGE_CACHE = False
    client.get("/c/digital/")  # warm the tree, facets and header fragments
    small = queries(client, "/c/digital/")
    for i in range(40):
        factories.product(
            f"قاب {i}", cat=shop["mobile"], variants=3, brand=shop["items"]["a15"].brand
        )
    client.get("/c/digital/")
    big = queries(client, "/c/digital/")
    assert small == big
    with django_assert_max_num_queries(3):
        client.get("/c/digital/?page=2&sort=cheapest")


def test_product_query_count_is_constant(client, shop, settings):
    settings.CATALOG_PAGE_CACHE = False
    small = factories.product("کم", cat=shop["mobile"], variants=1)
    big = factories.product("زیاد", cat=shop["mobile"], variants=6)
    for _ in range(4):
        from metavast.catalog.services import product_image_add

        product_image_add(product=big, upload=factories.image_upload())
    client.get(f"/product/{small.slug}/")
    client.get(f"/product/{big.slug}/")  # issue 12: warm its reviews block too (cached per product)
    assert queries(client, f"/product/{small.slug}/") == queries(client, f"/product/{big.slug}/")
    assert queries(client, f"/product/{big.slug}/") <= 4


def test_search_query_count_is_constant(client, shop, settings):
    settings.CATALOG_PAGE_CACHE = False
    client.get("/search/?q=گوشی")
    small = queries(client, "/search/?q=گوشی")
    for i in range(30):
        factories.product(f"گوشی {i}", cat=shop["mobile"])
    client.get("/search/?q=گوشی")
    assert queries(client, "/search/?q=گوشی") == small <= 3


def test_warm_pages_cost_no_query(client, shop, django_assert_num_queries):
    urls = ["/c/mobile/", f"/product/{shop['items']['a15'].slug}/", "/search/?q=گوشی", "/"]
    for url in urls:
        client.get(url)
    for url in urls[:3]:
        with django_assert_num_queries(0):
            client.get(url)


def test_cards_show_only_listing_columns(shop):
    # The listing reads denormalised columns; no join to variants or images.
    from metavast.catalog import listing

    sql = str(Product.objects.visible().values(*listing.CARD_FIELDS).query)
    assert "catalog_variant" not in sql and "catalog_productimage" not in sql


@pytest.mark.parametrize("sort", ["newest", "cheapest", "dearest", "bestselling"])
def test_parent_category_order_matches_a_plain_sort(client, shop, sort):
    # On PostgreSQL a parent category merges one ordered scan per subcategory; the merge must
    # give exactly the order (and the pages) a plain ORDER BY gives.
    tablets = factories.category(name="تبلت", slug="tablet", parent=shop["root"])
    for i in range(30):
        factories.product(f"تبلت {i}", cat=tablets, price=1_000_000 + (i % 7) * 10_000)
    expected = list(
        Product.objects.visible()
        .filter(category__in=[shop["root"], shop["mobile"], tablets])
        .sorted_by(sort)
        .values_list("title", flat=True)
    )
    pages = titles_in(get(client, "/c/digital/", {"sort": sort}))
    pages += titles_in(get(client, "/c/digital/", {"sort": sort, "page": "2"}))
    # Titles are shown with Persian digits («تبلت ۱۲»), stored as typed ("تبلت 12").
    assert [to_ascii_digits(t) for t in pages] == [to_ascii_digits(t) for t in expected]


# --- hidden categories ---


@pytest.mark.parametrize("hide", ["category", "parent"])
def test_products_of_a_hidden_category_are_hidden_everywhere(
    client, shop, hide, django_capture_on_commit_callbacks
):
    parent = factories.category(name="حراج ویژه", slug="sale")
    child = factories.category(name="گوشی حراجی", slug="sale-phones", parent=parent)
    item = factories.product("گوشی زمردین", cat=child)
    shown = shop["items"]["a15"]
    pages = {
        "product": f"/product/{item.slug}/",
        "category": "/c/sale-phones/",
        "parent listing": "/c/sale/",
        "search": "/search/?q=زمردین",
        "suggest": "/search/suggest/?q=زمردین",
        "sitemap": "/sitemap-products.xml",
        "api list": "/api/v1/catalog/products?q=زمردین",
        "api all": "/api/v1/catalog/products?page_size=96",
        "api detail": f"/api/v1/catalog/products/{item.slug}",
        "home": "/",
    }

    def shows(url) -> bool:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        if response.status_code == 404:
            return False
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
            return item.slug in [body.get("slug"), *(i["slug"] for i in body.get("items", []))]
        return f"/product/{item.slug}/" in response.content.decode()

    for name, url in pages.items():  # shown (and cached) while the category is visible
        assert shows(url), name

    hidden = parent if hide == "parent" else child
    hidden.is_visible = False
    hidden.save()
    with django_capture_on_commit_callbacks(execute=True):
        category_changed(category=hidden)

    for name in ("product", "category", "api detail"):
        assert client.get(pages[name]).status_code == 404, name
    for name in pages:  # the parent's listing is a 404 too when the parent is the hidden one
        assert not shows(pages[name]), name
    assert client.get(f"/product/{shown.slug}/").status_code == 200  # others unaffected
    assert shown.slug in client.get("/sitemap-products.xml").content.decode()


# --- sitemap ---


def test_sitemap_is_cached_until_the_catalog_changes(
    client, shop, django_capture_on_commit_callbacks
):
    first = client.get("/sitemap-products.xml")
    second = client.get("/sitemap-products.xml")
    assert first.get("X-Catalog-Cache") is None and second["X-Catalog-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Robots-Tag"] == first["X-Robots-Tag"]

    with django_capture_on_commit_callbacks(execute=True):
        added = factories.product("گوشی تازه", cat=shop["mobile"])
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=shop["items"]["a15"], is_published=False)

    third = client.get("/sitemap-products.xml")
    assert third.get("X-Catalog-Cache") is None
    assert f"/product/{added.slug}/" in third.content.decode()
    assert f"/product/{shop['items']['a15'].slug}/" not in third.content.decode()


def test_listing_count_is_shared_across_sorts_and_follows_the_catalog(
    client, shop, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    settings.CATALOG_PAGE_CACHE = False
    assert "۳ کالا" in get(client, "/c/mobile/")
    with django_assert_max_num_queries(1):  # the count is cached: only the page query runs
        # (a page past the end, «۳ کالا در ۱ صفحه», answers 404 but counts the same way)
        response = client.get("/c/mobile/", {"sort": "dearest", "page": "2"})
        assert response.status_code == 404 and "۳ کالا" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        factories.product("گوشی تازه", cat=shop["mobile"])

    assert "۴ کالا" in get(client, "/c/mobile/", {"sort": "cheapest"})


def test_odd_variant_parameters_never_break_the_product_page(client, shop):
    item = shop["items"]["s24"]
    for value in ("²", "①", "٣", "-1", "99999999999999999999999", "abc", "%00"):
        response = client.get(f"/product/{item.slug}/", {"v": value})
        assert response.status_code == 200, value
