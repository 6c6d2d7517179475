"""The in-memory search index (search_index) answers exactly as the SQL statement does."""

from dataclasses import replace

import pytest
from django.core.cache import cache
from django.db import connection

from metavast.catalog import demo, listing, listing_search, search, search_index
from metavast.catalog.cache import bump_catalog
from metavast.catalog.listing_filters import Filters
from metavast.catalog.models import Brand, Category
from metavast.catalog.tests import factories
from metavast.catalog.tests.search_queries import QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def demo_catalog(monkeypatch):
    monkeypatch.setattr(demo, "_with_images", lambda draft, *args: draft)
    demo.seed_catalog()


def both(filters: Filters, monkeypatch):
    """(from the index, from SQL) for the same filters, nothing cached."""
    assert listing_search._index_for(filters) is not None, "the index should answer"
    memory = listing_search._compute(filters)
    memory_brands = listing_search.brand_counts(filters, memory)
    cache.clear()
    with monkeypatch.context() as patched:
        patched.setattr(search_index, "ready", lambda: None)
        sql = listing_search._compute(filters)
        sql_brands = listing_search.brand_counts(filters, sql)
    cache.clear()
    return (memory, memory_brands), (sql, sql_brands)


def assert_same(filters: Filters, monkeypatch) -> None:
    (memory, memory_brands), (sql, sql_brands) = both(filters, monkeypatch)
    label = f"{filters.query!r} {filters.sort}"
    assert memory.ids == sql.ids, label
    assert memory.count == sql.count, label
    assert memory.partial == sql.partial, label
    assert memory.understanding == sql.understanding, label
    assert [r["id"] for r in memory.rows] == [r["id"] for r in sql.rows], label
    assert memory_brands == sql_brands, label


def test_every_query_of_the_set_ranks_as_in_sql(demo_catalog, monkeypatch):
    for query, _expected, _kind in QUERIES:
        filters = Filters(query=search.clean_query(query), typed=query, sort="relevance")
        assert_same(filters, monkeypatch)


@pytest.mark.parametrize("sort", ["relevance", "newest", "cheapest", "dearest", "bestselling"])
def test_every_sort_and_a_later_page_rank_as_in_sql(demo_catalog, monkeypatch, sort):
    for query in ("گوشی", "کتاب", "گوشی سامسونگ", "لپ تاپ ایسوس", "آیفون ۱۳", "هدفون ارزان"):
        for page in (1, 2):
            filters = Filters(query=search.clean_query(query), sort=sort, page=page, per_page=5)
            assert_same(filters, monkeypatch)


def test_filters_and_partial_results_rank_as_in_sql(demo_catalog, monkeypatch):
    brand = Brand.objects.order_by("id").first()
    category = listing.category_tree().nodes[Category.objects.order_by("path").first().id]
    base = Filters(query=search.clean_query("گوشی"), sort="relevance")
    for filters in (
        replace(base, brands=[brand.slug]),
        replace(base, in_stock=True),
        replace(base, min_price=10_000_000, max_price=900_000_000),
        replace(base, category=category),
        replace(base, query=search.clean_query("گوشی زرافه")),  # no product has both: partial
        replace(base, query=search.clean_query("سامسونگ کتاب"), sort="cheapest"),
    ):
        assert_same(filters, monkeypatch)


def test_specifications_and_the_rating_sort_stay_in_sql():
    base = Filters(query="گوشی", sort="relevance")
    assert listing_search._index_for(replace(base, specs={"color": ["red"]})) is None
    assert listing_search._index_for(replace(base, sort="rating")) is None


def test_sqlite_keeps_its_fts_path(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert search_index.ready() is None


def test_an_uncached_search_is_one_statement(django_assert_num_queries):
    for n in range(5):
        factories.product(f"گوشی موبایل سامسونگ مدل A{n}", on_hand=3)
    listing.browse(Filters(query="گوشی", sort="relevance"))  # the vocabulary, once per version
    index = search_index.build()
    filters = Filters(query=search.clean_query("موبایل سامسونگ"), sort="relevance", per_page=2)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(search_index, "ready", lambda: index)
        with django_assert_num_queries(1):  # the page's rows
            found = listing_search.ranking(filters)
    assert found.count == 5
    assert len(found.rows) == 2


@pytest.mark.django_db(transaction=True)
def test_the_index_is_built_off_the_request_path_and_follows_the_catalog():
    factories.product("کتاب بوف کور", on_hand=3)
    search_index._current = None
    try:
        assert search_index.ready() is None  # not built yet: SQL answers meanwhile
        index = search_index.wait_ready(timeout=30)
        assert index is not None and search_index.ready() is index
        assert index.probe(["بوفکور", "زرافه"]) == {"بوفکور": True, "زرافه": False}

        factories.product("کتاب زرافه‌ها", on_hand=1)
        bump_catalog()
        assert search_index.ready() is None  # an old index is never used for a new version
        fresh = search_index.wait_ready(timeout=30)
        assert fresh is not None and fresh is not index
        assert fresh.probe(["زرافه"]) == {"زرافه": True}
    finally:
        while search_index._building:
            import time

            time.sleep(0.05)
        search_index._current = None


def test_the_brand_outranks_a_category_word_as_in_sql(monkeypatch):
    zebra = factories.brand(name="زبرا", latin="Zebra")
    branded = factories.product("دفتر صد برگ", brand=zebra, on_hand=2)
    factories.product("دفتر خط دار", cat=factories.category(name="زبرا"), on_hand=2)
    filters = Filters(query=search.clean_query("زبرا"), sort="relevance")

    assert_same(filters, monkeypatch)
    assert listing_search._compute(filters).ids[0] == branded.id


def test_inside_a_transaction_only_a_small_catalog_is_indexed(monkeypatch):
    factories.product("کتاب بوف کور", on_hand=1)
    factories.product("کتاب زرافه‌ها", on_hand=1)
    assert connection.in_atomic_block
    assert search_index.ready() is not None
    monkeypatch.setattr(search_index, "IN_TRANSACTION_MAX", 1)
    assert search_index.ready() is None  # read whole per request: SQL answers instead


def test_a_query_asked_again_of_the_same_index_ranks_as_in_sql(demo_catalog, monkeypatch):
    """The second time, the groups, the order and the facets come from what the index kept
    (SearchIndex.candidates); filtered, they are the kept groups within the filters."""
    index = search_index.build()
    monkeypatch.setattr(search_index, "ready", lambda: index)
    brand = Brand.objects.order_by("id").first()
    category = listing.category_tree().nodes[Category.objects.order_by("path").first().id]
    for query in ("کتاب", "گوشی", "گوشی سامسونگ", "گوشی زرافه"):
        base = Filters(query=search.clean_query(query), sort="relevance", per_page=5)
        for filters in (
            base,
            base,  # kept
            replace(base, page=2),
            replace(base, sort="cheapest"),
            replace(base, sort="cheapest"),  # kept
            replace(base, in_stock=True),
            replace(base, brands=[brand.slug]),
            replace(base, category=category, sort="newest"),
            replace(base, min_price=10_000_000, max_price=900_000_000),
        ):
            assert_same(filters, monkeypatch)
    question = search.understand(search.clean_query("کتاب"), probe=index.probe)
    found = index.candidates(question, None, partial=False)
    assert index.candidates(question, None, partial=False) is found  # kept, not recomputed
    assert found.orders["relevance"] and found.brands[30]


def test_words_inside_or_across_other_words_rank_as_in_sql(monkeypatch):
    """The word-start, whole-word and brand bonuses and the title hit that must not run
    across words (search._score) are worked out alike by the index."""
    from metavast.catalog.tests.test_search import BRAND_QUERIES, brand_catalog

    brand_catalog()
    factories.product("کابل a.b+c مدل (2) 128 گیگ")
    queries = [*BRAND_QUERIES, "لپتاپ", "لپ تاپ لنوو", "a.b+c", "128", "1", "چشم", "ناپل"]
    for query in queries:
        filters = Filters(query=search.clean_query(query), sort="relevance")
        assert_same(filters, monkeypatch)
    for query, expected in BRAND_QUERIES.items():
        filters = Filters(query=search.clean_query(query), sort="relevance")
        first = listing_search._compute(filters).ids[0]
        assert listing.Product.objects.get(id=first).title == expected[0], query
