"""The query set (search_queries.py) on the demo catalog: at least 95 % must pass."""

import pytest

from metavast.catalog import demo, listing
from metavast.catalog.models import Product
from metavast.catalog.tests.search_queries import QUERIES, evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_catalog(monkeypatch):
    # Pictures do not change what search finds; drawing 300 of them only costs time.
    monkeypatch.setattr(demo, "_with_images", lambda draft, *args: draft)
    demo.seed_catalog()


def first_page(query: str) -> list[str]:
    filters = listing.Filters(
        query=listing.search.clean_query(query), typed=query, sort="relevance"
    )
    return [item["title"] for item in listing.browse(filters).items]


def test_query_set_is_large_and_varied():
    kinds = {kind for _q, _e, kind in QUERIES}
    assert len(QUERIES) >= 150
    assert {"cross", "typo", "extra", "digits", "zwnj", "category", "brand"} <= kinds


def test_query_set_passes_on_the_demo_catalog(demo_catalog, capsys):
    titles = list(Product.objects.visible().values_list("title", flat=True))
    report = evaluate(titles, first_page)

    with capsys.disabled():
        print(
            f"\nsearch query set on the demo catalog ({len(titles)} products):"
            f" {report['passed']}/{report['queries']} passed ({report['pass_share']:.1%}),"
            f" precision@10 {report['precision_at_10']:.3f},"
            f" found {report['found_share']:.1%}"
        )
        for row in report["failures"]:
            print(
                f"  FAIL {row['kind']:<8} {row['query']!r} ({row['relevant']} expected): {row['top']}"
            )
    assert all(r["relevant"] > 0 for r in report["failures"]), "a query names no demo product"
    assert report["pass_share"] >= 0.95
