"""The speed work of issue 14: the cached ranking, its invalidation and the suggestion index."""

import pickle
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metavast.catalog import listing, listing_search, search, search_suggest
from metavast.catalog.services import product_update
from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db


def browse(query: str, **kwargs) -> listing.Result:
    return listing.browse(listing.Filters(query=search.clean_query(query), **kwargs))


def titles(result) -> list[str]:
    return [item["title"] for item in result.items]


@pytest.fixture
def phones():
    for n in range(5):
        factories.product(f"گوشی موبایل سامسونگ مدل A{n}", on_hand=3)
    factories.product("کتاب بوف کور", on_hand=3)


def test_a_cached_ranking_serves_another_page_with_one_statement(phones, django_assert_num_queries):
    first = browse("گوشی سامسونگ", sort="relevance", per_page=2)
    with django_assert_num_queries(1):
        second = browse("گوشی سامسونگ", sort="relevance", per_page=2, page=2)

    assert first.count == second.count == 5
    assert len(first.items) == len(second.items) == 2
    assert not set(titles(first)) & set(titles(second))


def test_the_cached_page_equals_the_uncached_one(phones, monkeypatch):
    cached = [titles(browse("گوشی", sort="cheapest", per_page=2, page=p)) for p in (1, 2, 3)]
    monkeypatch.setattr(listing_search.cache, "get", lambda key, default=None: default)
    fresh = [titles(browse("گوشی", sort="cheapest", per_page=2, page=p)) for p in (1, 2, 3)]

    assert cached == fresh
    assert sum(len(t) for t in fresh) == 5


def test_a_catalog_change_is_searched_at_once(phones, django_capture_on_commit_callbacks):
    assert browse("زرافه").count == 0  # the ranking of a miss is cached too
    product = factories.product("کتاب زرافه‌ها", on_hand=1)
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=product, title="کتاب زرافه‌ها و فیل‌ها")

    assert titles(browse("زرافه")) == ["کتاب زرافه‌ها و فیل‌ها"]


def test_pages_past_the_cached_ranking_are_ranked_again(phones, monkeypatch):
    monkeypatch.setattr(listing_search, "RANKED_MAX", 2)
    pages = [titles(browse("گوشی", sort="newest", per_page=2, page=p)) for p in (1, 2, 3, 1, 3)]

    assert pages[0] == pages[3] and pages[2] == pages[4]
    assert sorted(t for page in pages[:3] for t in page) == sorted(
        f"گوشی موبایل سامسونگ مدل A{n}" for n in range(5)
    )


def test_suggestions_come_from_the_index_without_sql(phones, client):
    client.get("/search/suggest/", {"q": "سامسو"})  # builds this version's index
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/search/suggest/", {"q": "گوشی سامس"}).content.decode()

    assert "گوشی موبایل سامسونگ مدل A" in html
    assert len(queries.captured_queries) == 0


def test_suggestion_index_ranks_in_stock_and_title_hits_first():
    index = search_suggest.SuggestIndex.build(
        [
            ("قاب گوشی", "case", True, "قاب گوشی لوازم جانبی"),
            ("گوشی موبایل سامسونگ", "samsung", True, "گوشی موبایل سامسونگ سامسونگ samsung"),
            ("گوشی موبایل سامسونگ", "samsung-2", True, "گوشی موبایل سامسونگ سامسونگ samsung"),
            ("تلویزیون", "tv", True, "تلویزیون سامسونگ samsung"),
            ("گوشی قدیمی سامسونگ", "old", False, "گوشی قدیمی سامسونگ"),
            ("لپ تاپ ایسوس", "asus", True, "لپ تاپ ایسوس asus"),
        ]
    )
    samsung = search.Understanding(
        query="سامسونگ", pieces=[search.Piece(typed="سامسونگ", alternatives=["سامسونگ"])]
    )
    laptop = search.Understanding(
        query="لپتاپ", pieces=[search.Piece(typed="لپتاپ", alternatives=["لپتاپ"])]
    )

    assert [s["slug"] for s in index.suggest(samsung, 6)] == ["samsung", "tv", "old"]
    assert [s["slug"] for s in index.suggest(laptop, 6)] == ["asus"]  # «لپ تاپ» joined
    assert search_suggest.SuggestIndex.build([]).suggest(samsung, 6) == []


def _reference_suggest(index, understanding, limit):
    """The suggestion ranking written plainly (every candidate ranked), to check the index's
    shortcuts against: the first CANDIDATES entries having every piece, ordered by in stock,
    pieces in the title, position."""
    matched = None
    for piece in understanding.pieces:
        having = set()
        for alternative in piece.alternatives:
            for word in index.words_containing(alternative):
                having.update(index.postings[word])
        matched = having if matched is None else matched & having
    best = sorted(matched or ())[: search_suggest.CANDIDATES]

    def rank(position):
        title = index.title_keys[position]
        in_title = sum(any(a in title for a in p.alternatives) for p in understanding.pieces)
        return (not index.entries[position][2], -in_title, position)

    return [index.entries[i][1] for i in sorted(best, key=rank)[:limit]]


def test_suggestions_with_the_memo_and_the_early_stop_equal_the_plain_ranking(monkeypatch):
    # Titles from a few words, in and out of stock in mixed order, so that a word is now in
    # the title and now only in the other words, and the early stop is taken and not taken.
    rng = random.Random(14)
    words = ["گوشی", "سامسونگ", "قاب", "کتاب", "حافظ", "مشکی", "لپ", "تاپ", "ایسوس", "چرم"]
    rows = []
    for n in range(400):
        title = " ".join(rng.sample(words, rng.randint(1, 3))) + f" مدل {n}"
        other = " ".join(rng.sample(words, rng.randint(0, 3)))
        rows.append((title, f"p{n}", rng.random() < 0.7, f"{title} {other}"))
    index = search_suggest.SuggestIndex.build(rows)
    monkeypatch.setattr(search_suggest, "CANDIDATES", 40)  # candidates beyond the cut too
    monkeypatch.setattr(search_suggest, "MEMO_ENTRIES", 300)  # entries are dropped as well
    checked = 0
    for _ in range(300):
        typed = rng.sample([*words, "سام", "گو", "کتا", "ایس", "مشک"], rng.randint(1, 3))
        pieces = [search.Piece(typed=w, alternatives=[w]) for w in typed]
        if rng.random() < 0.3:  # a piece with a synonym
            pieces[0].alternatives.append(rng.choice(words))
        understanding = search.Understanding(query=" ".join(typed), pieces=pieces)
        for limit in (1, 6):
            expected = _reference_suggest(index, understanding, limit)
            assert [s["slug"] for s in index.suggest(understanding, limit)] == expected
            checked += bool(expected)
    assert checked > 300  # most combinations suggest something
    assert 0 < index._memo_size <= 300 + max(len(e) for e in index._memo.values())


def test_the_suggestion_memo_stays_in_the_worker():
    index = search_suggest.SuggestIndex.build([("گوشی سامسونگ", "s", True, "گوشی سامسونگ")])
    samsung = search.Understanding(
        query="سامسونگ", pieces=[search.Piece(typed="سامسونگ", alternatives=["سامسونگ"])]
    )
    assert [s["slug"] for s in index.suggest(samsung, 6)] == ["s"]
    assert index._memo  # what was looked up is kept

    copy = pickle.loads(pickle.dumps(index))  # as the shared cache stores it

    assert not copy._memo and copy._memo_size == 0
    assert copy.entries == index.entries and copy.postings == index.postings
    assert [s["slug"] for s in copy.suggest(samsung, 6)] == ["s"]
