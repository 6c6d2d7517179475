"""Search results for listings: one ranked statement, its ranking cached per catalog version.

What a query finds and in what order (search.understand / search.matching) is computed once
per catalog version, normalised query, filters and sort: the *ranking* (the first RANKED_MAX
product ids in order, the total, and what was understood: corrections, ignored words, whether
the result is partial). Paging, the htmx swap, the API and a signed-in shopper (whose pages
are never cached whole) then cost one primary-key read of the page's rows. Any catalog change
bumps the catalog version, so a ranking is never served stale; a "rating" sort follows the
ratings version as well.

The ranking statement is narrow on purpose: the rank keys (hits, stock, score, sales) are
computed in a subquery and only they reach the window that counts the matches
(COUNT(*) OVER ()). Counting over the wide rows spilled to disk for a broad word («کتاب»:
23,000 matches at 100k products) and sorted every card column. The rows of the first page come
back in the same statement (a LEFT JOIN on the page's positions), so an uncached search is
still one statement besides the vocabulary probe.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F

from metavast.catalog import search, search_index
from metavast.catalog.cache import catalog_version, page_key, ratings_version, versioned
from metavast.catalog.listing_filters import CARD_FIELDS, Filters, filtered
from metavast.catalog.models import SORT_ORDERS, Product
from metavast.catalog.search_phonetic import typo_distance
from metavast.catalog.search_vocabulary import max_typo
from metavast.catalog.tree import Node, category_tree
from metavast.core.text import compact, normalize

# 40 pages of 24 (10 of 96): deeper pages rank again, uncached.
RANKED_MAX = 960
RANKING_TTL = 600
FACETS_TTL = 3600


@dataclass
class Ranking:
    """What a search found, in order: the first RANKED_MAX ids and the total."""

    ids: list[int]
    count: int
    understanding: search.Understanding
    partial: bool = False  # no product has every word: these have the most of them
    rows: list[dict] = field(default_factory=list)  # the requested page (not cached)
    brands: list[dict] | None = None  # brand facets, when computed alongside (not cached)


def _ranking_key(filters: Filters) -> str:
    version = str(catalog_version())
    if filters.sort == "rating":
        version += f".{ratings_version()}"
    identity = replace(filters, page=1, per_page=0, typed="").identity()
    return page_key("search-ranking", f"{version}|{identity}")


def _order_keys(sort: str, *, partial: bool) -> list[tuple[str, bool]]:
    """(column, descending) of the ranking, all columns of the inner query."""
    if sort == "relevance":
        keys = ["-search_hits", "-in_stock", "-search_score", "-sold_count", "-id"]
    else:
        keys = (["-search_hits"] if partial else []) + list(SORT_ORDERS[sort])
    return [(k.lstrip("-"), k.startswith("-")) for k in keys]


def _ranked(matches, filters: Filters, *, partial: bool) -> tuple[list[int], int, list[dict]]:
    """The ranked ids (at least RANKED_MAX, more for a deeper page), the total and the rows of
    the requested page, in one statement."""
    start = (filters.page - 1) * filters.per_page
    end = start + filters.per_page
    order = _order_keys(filters.sort, partial=partial)
    columns = list(dict.fromkeys(["id", *(_column(name) for name, _desc in order)]))
    inner = matches.annotate(rank_hits=F("search_hits"), rank_score=F("search_score"))
    try:
        inner_sql, params = inner.values(*columns).query.sql_with_params()
    except EmptyResultSet:  # nothing to look for (qs.none())
        return [], 0, []
    quote = connection.ops.quote_name
    order_sql = ", ".join(
        f"m.{quote(_column(name))} {'DESC' if desc else 'ASC'}" for name, desc in order
    )
    cards = ", ".join(f"p.{quote(name)}" for name in CARD_FIELDS)
    # OFFSET 0 keeps PostgreSQL from flattening the subquery into an index walk in price
    # order that tests every product against the words (see docs/search.md).
    sql = (
        f"SELECT r.id, r.total, {cards} FROM ("  # noqa: S608 - columns are ours, values bound
        f"SELECT m.id, COUNT(*) OVER () AS total, ROW_NUMBER() OVER (ORDER BY {order_sql}) AS n"
        f" FROM ({inner_sql} {_NO_LIMIT[connection.vendor == 'sqlite']} OFFSET 0) m"
        f" ORDER BY {order_sql} LIMIT %s"
        # Only the page's positions look their row up (a CASE, not a join filter, so the
        # other ranked ids cost no index probe).
        f") r LEFT JOIN {quote(Product._meta.db_table)} p"
        " ON p.id = CASE WHEN r.n > %s AND r.n <= %s THEN r.id END"
        " ORDER BY r.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, max(RANKED_MAX, end), start, end])
        fetched = cursor.fetchall()
    ids = [row[0] for row in fetched]
    count = fetched[0][1] if fetched else 0
    rows = [dict(zip(CARD_FIELDS, row[2:], strict=True)) for row in fetched[start:end]]
    return ids, count, rows


# "OFFSET 0" alone is PostgreSQL; SQLite needs a LIMIT before it (-1: none).
_NO_LIMIT = {False: "", True: "LIMIT -1"}
# Django selects an alias() only under another name.
_SELECTED = {"search_hits": "rank_hits", "search_score": "rank_score"}


def _column(name: str) -> str:
    return _SELECTED.get(name, name)


def _index_for(filters: Filters) -> search_index.SearchIndex | None:
    """The in-memory index when it can answer these filters (search_index), else None."""
    if filters.specs or filters.sort not in (*search_index.SORTS, "relevance"):
        return None
    return search_index.ready()


def _compute(filters: Filters) -> Ranking:
    """What the shopper meant, every word matched; if no product has every word, those with
    the most of them (partial). From the in-memory index when it is ready (one statement:
    the page's rows), else at most one probe and three ranked statements."""
    index = _index_for(filters)
    if index is not None:
        return _compute_in_memory(filters, index)
    return _compute_in_sql(filters)


def _compute_in_sql(filters: Filters) -> Ranking:
    qs = filtered(filters)
    understanding = search.understand(filters.query)
    ids, count, rows = _ranked(search.matching(qs, understanding), filters, partial=False)
    partial = False
    if not count and understanding.is_corrected and len(understanding.pieces) > 1:
        # A "correction" that leaves nothing («دانشجو» → «دانشور» beside «لپ تاپ») was a
        # word the catalog does not have: leave it out instead.
        kept = [p for p in understanding.pieces if not p.corrected]
        if kept:
            narrower = replace(understanding, pieces=kept, ignored=list(understanding.ignored))
            ids, count, rows = _ranked(search.matching(qs, narrower), filters, partial=False)
            if count:
                narrower.ignored += [p.typed for p in understanding.pieces if p.corrected]
                understanding = narrower
    if not count and len(understanding.pieces) > 1:
        matches = search.matching_some(qs, understanding)
        ids, count, rows = _ranked(matches, filters, partial=True)
        partial = bool(count)
    return Ranking(
        ids=ids[:RANKED_MAX],
        count=count,
        understanding=understanding,
        partial=partial,
        rows=rows,
    )


def _compute_in_memory(filters: Filters, index: search_index.SearchIndex) -> Ranking:
    """_compute, answered by the index (the same steps, the same order)."""
    understanding = search.understand(filters.query, probe=index.probe)
    if not index.can_answer(understanding):
        return _compute_in_sql(filters)
    allowed = index.allowed(filters)
    found = index.candidates(understanding, allowed, partial=False)
    if not found.count and understanding.is_corrected and len(understanding.pieces) > 1:
        kept = [p for p in understanding.pieces if not p.corrected]
        if kept:
            narrower = replace(understanding, pieces=kept, ignored=list(understanding.ignored))
            found = index.candidates(narrower, allowed, partial=False)
            if found.count:
                narrower.ignored += [p.typed for p in understanding.pieces if p.corrected]
                understanding = narrower
    partial = False
    if not found.count and len(understanding.pieces) > 1:
        found = index.candidates(understanding, allowed, partial=True)
        partial = bool(found.count)
    start = (filters.page - 1) * filters.per_page
    end = start + filters.per_page
    ids = index.ordered(found, filters.sort, max(RANKED_MAX, end))
    return Ranking(
        ids=ids[:RANKED_MAX],
        count=found.count,
        understanding=understanding,
        partial=partial,
        rows=_rows_by_ids(ids[start:end]) if start < len(ids) else [],
        # The facets are counted without a chosen brand: the same matches when none is.
        brands=index.brand_counts(found) if not filters.brands else None,
    )


def _rows_by_ids(ids: list[int]) -> list[dict]:
    found = {r["id"]: r for r in Product.objects.filter(id__in=ids).values(*CARD_FIELDS)}
    return [found[i] for i in ids if i in found]


def ranking(filters: Filters) -> Ranking:
    """The ranking of a search and the rows of the requested page (see the module doc)."""
    key = _ranking_key(filters)
    cached = cache.get(key)
    start = (filters.page - 1) * filters.per_page
    end = start + filters.per_page
    if cached is not None and (end <= len(cached.ids) or len(cached.ids) >= cached.count):
        cached.rows = _rows_by_ids(cached.ids[start:end]) if start < cached.count else []
        return cached
    computed = _compute(filters)
    rows, computed.rows = computed.rows, []
    brands, computed.brands = computed.brands, None
    cache.set(key, computed, RANKING_TTL)
    computed.rows, computed.brands = rows, brands
    return computed


def brand_counts(filters: Filters, found: Ranking) -> list[dict]:
    """Brands among the results with their counts, as if no brand were chosen. Per catalog
    version and query: re-sorting and paging do not change them."""
    identity = replace(filters, brands=[], sort="", page=1, per_page=0, typed="").identity()
    key = page_key("search-facets", f"{catalog_version()}|{identity}")
    brands = cache.get(key) if found.brands is None else found.brands
    if found.brands is not None:
        cache.set(key, brands, FACETS_TTL)
    brandless_filters = replace(filters, brands=[], sort="relevance")
    index = _index_for(brandless_filters) if brands is None else None
    if index is not None:
        brandless = index.allowed(brandless_filters)
        matches = index.candidates(found.understanding, brandless, partial=found.partial)
        brands = index.brand_counts(matches)
        cache.set(key, brands, FACETS_TTL)
    elif brands is None:
        brandless = filtered(replace(filters, brands=[]))
        if found.partial:
            matches = search.matching_some(brandless, found.understanding)
        else:
            matches = search.matching(brandless, found.understanding)
        brands = _brand_counts(matches)
        cache.set(key, brands, FACETS_TTL)
    return brands


def _brand_counts(matches) -> list[dict]:
    rows = (
        matches.exclude(brand=None)
        .order_by()
        .values("brand__slug", "brand__name")
        .annotate(n=Count("id"))
        .order_by("-n", "brand__name")[:30]
    )
    return [{"slug": b["brand__slug"], "name": b["brand__name"], "count": b["n"]} for b in rows]


POPULAR = 8


def popular_rows() -> list[dict]:
    """The best-selling products in stock (an empty search page offers them)."""
    return versioned(
        "search-popular",
        lambda: list(
            Product.objects.visible()
            .in_stock()
            .order_by("-sold_count", "-id")
            .values(*CARD_FIELDS)[:POPULAR]
        ),
    )


def _category_names() -> list[tuple[Node, str, list[str]]]:
    """Visible categories with their compact names and name parts, per catalog version."""

    def build():
        tree = category_tree()
        return [
            (
                node,
                compact(node.name),
                [compact(w) for w in normalize(node.name).split() if len(w) >= 3],
            )
            for node in tree.nodes.values()
            if tree.is_visible(node.id)
        ]

    return versioned("search-category-names", build)


@functools.lru_cache(maxsize=65536)
def _is_near(word: str, part: str) -> bool:
    """A typo of a category name's word; the same pairs come back key press after key press."""
    if len(word) < 3:
        return False
    # typo_distance returns limit + 1 past the limit: the limit must be the allowed distance
    # itself, or a long word (allowed 2) is "near" every name at the capped 1 + 1.
    allowed = max_typo(word)
    return typo_distance(word, part, limit=allowed) <= allowed


def closest_categories(understanding, limit: int = 4) -> list[Node]:
    """Visible categories whose names hold, or nearly hold, a word of the query."""
    words = [a for p in understanding.pieces for a in p.alternatives]
    words += [compact(w) for w in understanding.ignored]
    words += [compact(w) for w in understanding.query.split()]
    words = [w for w in dict.fromkeys(words) if len(w) >= 2]
    found = []
    for node, name, parts in _category_names():
        if any(w in name or any(_is_near(w, part) for part in parts) for w in words):
            found.append(node)
            if len(found) >= limit:
                break
    return found
