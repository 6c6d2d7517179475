import pytest

from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db
BASE = "/api/v1/catalog"


@pytest.fixture
def shop():
    mobile = factories.category(name="گوشی موبایل", slug="mobile")
    books = factories.category(name="کتاب", slug="books")
    brand = factories.brand(name="سامسونگ", latin="Samsung")
    storage = factories.attribute()
    phone = factories.product(
        "گوشی سامسونگ ۱۲۸ گیگ", cat=mobile, brand=brand, price=90_000_000,
        specs=[(storage, "128")], variants=2,
    )  # fmt: skip
    book = factories.product("کتاب بوف کور", cat=books, price=2_000_000, on_hand=0)
    return {"phone": phone, "book": book, "brand": brand}


def test_categories(client, shop):
    response = client.get(f"{BASE}/categories")
    assert response.status_code == 200
    assert {c["slug"] for c in response.json()} == {"mobile", "books"}


def test_products_list_search_filters_and_paging(client, shop):
    body = client.get(f"{BASE}/products", {"q": "١٢٨"}).json()
    assert [i["title"] for i in body["items"]] == ["گوشی سامسونگ ۱۲۸ گیگ"]
    assert body["items"][0]["price"] == 99_000_000  # Rials, 10 % VAT included
    body = client.get(f"{BASE}/products", {"q": "كتاب"}).json()
    assert body["count"] == 1
    body = client.get(f"{BASE}/products", {"in_stock": "true"}).json()
    assert [i["slug"] for i in body["items"]] == [shop["phone"].slug]
    body = client.get(f"{BASE}/products", {"category": "books", "max_price": 3_000_000}).json()
    assert [i["slug"] for i in body["items"]] == [shop["book"].slug]
    body = client.get(f"{BASE}/products", {"brand": shop["brand"].slug}).json()
    assert body["count"] == 1
    body = client.get(f"{BASE}/products", {"spec": "storage:۱۲۸"}).json()
    assert [i["slug"] for i in body["items"]] == [shop["phone"].slug]
    assert client.get(f"{BASE}/products", {"spec": "storage:64"}).json()["count"] == 0
    body = client.get(f"{BASE}/products", {"sort": "dearest", "page_size": 1, "page": 2}).json()
    assert (body["count"], body["pages"], body["items"][0]["slug"]) == (2, 2, shop["book"].slug)
    body = client.get(f"{BASE}/products", {"page": 1000}).json()
    assert (body["count"], body["items"]) == (2, [])


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": 10**9},
        {"page": "x"},
        {"page_size": 500},
        {"min_price": -1},
        {"max_price": 10**30},
        {"sort": "drop table"},
        {"category": "a/b"},
        {"category": "\x00"},
        {"brand": "\x00"},
        {"in_stock": "maybe"},
        {"spec": "no-colon"},
        {"spec": "storage:\x00"},
    ],
)
def test_bad_query_params_are_422(client, shop, params):
    response = client.get(f"{BASE}/products", params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_unknown_category_is_404(client, shop):
    response = client.get(f"{BASE}/products", {"category": "nothing"})
    assert (response.status_code, response.json()["code"]) == (404, "category_not_found")


def test_nul_and_junk_in_query_text_is_harmless(client, shop):
    for q in ("\x00", "a\x00b", "🙂" * 50, "%_\\"):
        assert client.get(f"{BASE}/products", {"q": q}).status_code == 200


def test_product_detail(client, shop):
    body = client.get(f"{BASE}/products/{shop['phone'].slug}").json()
    assert body["title"] == "گوشی سامسونگ ۱۲۸ گیگ"
    assert len(body["variants"]) == 2
    assert body["variants"][0]["available"] == 5
    assert body["specs"] == [{"attribute": "حافظه", "value": "128"}]
    assert [c["slug"] for c in body["breadcrumbs"]] == ["mobile"]


def test_product_detail_404(client, shop):
    for slug in ("nothing", "a%00b", "x" * 300):
        response = client.get(f"{BASE}/products/{slug}")
        assert response.status_code == 404, slug
        assert response.json()["code"] in ("product_not_found", "not_found")


def test_schema_lists_catalog_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {f"{BASE}/categories", f"{BASE}/products", f"{BASE}/products/{{slug}}"} <= set(paths)


def test_default_order_is_the_storefronts(client, shop):
    """Without `sort`, an app lists what the site lists: bestselling with what is in stock
    first (and relevance when there is a query)."""
    from metavast.catalog.models import Product

    newer = factories.product("گوشی سامسونگ ۶۴ گیگ", cat=shop["phone"].category, price=80_000_000)
    Product.objects.filter(pk=shop["book"].pk).update(sold_count=50)  # sold out: still last
    Product.objects.filter(pk=shop["phone"].pk).update(sold_count=9)
    body = client.get(f"{BASE}/products").json()
    assert [i["slug"] for i in body["items"]] == [shop["phone"].slug, newer.slug, shop["book"].slug]
    body = client.get(f"{BASE}/products", {"sort": "newest"}).json()
    assert body["items"][0]["slug"] == newer.slug  # the old default is still asked for by name
