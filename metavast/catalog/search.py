"""Persian product search.

Both sides go through the same normaliser (metavast.core.text): a product's title, brand,
categories, specifications and option values become a *compact* key (normalised, spaces
removed, pieces joined by " | "), and a query is normalised, split into words and each word
compacted. A product matches when every query word occurs in its key, so «میخواهم»,
«می‌خواهم» and «می خواهم» all find «می‌خواهم», «كتاب» finds «کتاب» and «۱۲۸» finds «128».
Results rank title hits first (title starts with the query, then title contains it, then
title contains every word), then best-selling.

Indexes: on PostgreSQL a GIN trigram index on the key answers the LIKE '%word%' filters. When
the exact search finds nothing, each unknown query word is replaced by the most similar word of
the catalog's vocabulary (SearchTerm, pg_trgm similarity over its own trigram index) and the
corrected query is searched instead: «سامسوگ» becomes «سامسونگ». On SQLite an FTS5 trigram
table mirrors the key, and the closest vocabulary word is found in Python with the same
trigram similarity.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from metavast.core.text import compact, normalize

MAX_QUERY_CHARS = 100
MAX_WORDS = 6
SEPARATOR = " | "
FUZZY_LIMIT = 48
SIMILARITY = 0.3  # pg_trgm's default similarity_threshold, used for both databases
SQLITE_TRIGRAM_SHARE = 0.5


def clean_query(raw: str | None) -> str:
    """The normalised query (what is searched and what a miss is counted under)."""
    return normalize((raw or "")[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].strip()


def query_words(query: str) -> list[str]:
    words = [compact(w) for w in normalize(query).split()]
    return [w for w in words if w][:MAX_WORDS]


def documents(
    *,
    title: str,
    brand: Iterable[str] = (),
    categories: Iterable[str] = (),
    specs: Iterable[str] = (),
    options: Iterable[str] = (),
) -> dict[str, str]:
    """The three search columns of a product, from its texts (title first)."""
    brand, categories = [b for b in brand if b], list(categories)
    pieces = [title, *brand, *categories, *specs, *options]
    seen: list[str] = []
    for piece in pieces:
        key = compact(str(piece))
        if key and key not in seen:
            seen.append(key)
    return {
        "search_title": compact(title),
        "search_key": SEPARATOR.join(seen),
        "search_words": normalize(" ".join([title, *brand, *categories])),
    }


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _word_filter(words: list[str]) -> Q | None:
    condition = Q()
    fts_words = []
    for word in words:
        if connection.vendor == "sqlite" and len(word) >= 3:
            fts_words.append(word)
        else:
            condition &= Q(search_key__contains=word)
    if fts_words:
        match = " AND ".join(_fts_phrase(w) for w in fts_words)
        condition &= Q(
            id__in=RawSQL(
                "SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts MATCH %s",
                [match],
            )
        )
    return condition


def matching(qs: QuerySet, query: str) -> QuerySet:
    """Products of qs whose key holds every word of the query, title hits first."""
    words = query_words(query)
    if not words:
        return qs.none().alias(search_rank=Value(3))
    whole = compact(query)
    title_all = Q()
    for word in words:
        title_all &= Q(search_title__contains=word)
    rank = Case(
        When(search_title__startswith=whole, then=Value(0)),
        When(search_title__contains=whole, then=Value(1)),
        When(title_all, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.filter(_word_filter(words)).alias(search_rank=rank)


def by_relevance(qs: QuerySet) -> QuerySet:
    return qs.order_by("search_rank", "-in_stock", "-sold_count", "-id")


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    text = f"  {compact(text)} "
    return {text[i : i + 3] for i in range(len(text) - 2)}


def similar_ids(qs: QuerySet, query: str) -> list[int]:
    """Ids of products matching the query with its typos corrected, best first."""
    query = normalize(query)
    corrected = corrected_query(query)
    if corrected == query:
        return []
    ranked = by_relevance(matching(qs, corrected))
    return list(ranked.values_list("id", flat=True)[:FUZZY_LIMIT])


def terms_of(text: str) -> set[str]:
    """The words worth remembering for typo correction (normalised, 3 to 100 letters)."""
    return {w for w in normalize(text).split() if 3 <= len(w) <= 100 and not w.isdigit()}


def remember_terms(texts: Iterable[str]) -> None:
    from metavast.catalog.models import SearchTerm

    words: set[str] = set()
    for text in texts:
        words |= terms_of(text)
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=w) for w in sorted(words)], ignore_conflicts=True, batch_size=2000
    )


def corrected_query(query: str) -> str:
    """The query with each unknown word replaced by the closest catalog word (PostgreSQL)."""
    from metavast.catalog.models import SearchTerm

    words = normalize(query).split()[:MAX_WORDS]
    known = set(SearchTerm.objects.filter(term__in=words).values_list("term", flat=True))
    unknown = [w for w in words if w not in known and len(w) >= 3 and not w.isdigit()]
    if not unknown:
        return " ".join(words)
    replacements = (
        _closest_pg(unknown) if connection.vendor == "postgresql" else _closest_python(unknown)
    )
    return " ".join(replacements.get(w, w) for w in words)


def _closest_pg(words: list[str]) -> dict[str, str]:
    found = {}
    with connection.cursor() as cursor:
        for word in words:
            cursor.execute(
                "SELECT term FROM catalog_searchterm WHERE term %% %s"
                " ORDER BY similarity(term, %s) DESC, term LIMIT 1",
                [word, word],
            )
            row = cursor.fetchone()
            if row:
                found[word] = row[0]
    return found


def _closest_python(words: list[str]) -> dict[str, str]:
    """SQLite has no trigram index: compare with the vocabulary in Python (the embedded
    store's vocabulary is a few thousand words)."""
    from metavast.catalog.models import SearchTerm

    wanted = {w: _trigrams(w) for w in words}
    best: dict[str, tuple[float, str]] = {}
    for term in SearchTerm.objects.values_list("term", flat=True).iterator(chunk_size=5000):
        grams = _trigrams(term)
        for word, target in wanted.items():
            union = len(grams | target)
            score = len(grams & target) / union if union else 0.0
            if score >= SIMILARITY and score > best.get(word, (0.0, ""))[0]:
                best[word] = (score, term)
    return {word: term for word, (_score, term) in best.items()}


def index_products(product_ids: Iterable[int]) -> None:
    """Mirror the products' search keys into SQLite's FTS table (PostgreSQL needs nothing)."""
    if connection.vendor != "sqlite":
        return
    from metavast.catalog.models import Product

    ids = list(product_ids)
    if not ids:
        return
    rows = list(Product.objects.filter(id__in=ids).values_list("id", "search_key"))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM catalog_product_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608
        cursor.executemany(
            "INSERT INTO catalog_product_fts (rowid, search_key) VALUES (%s, %s)", rows
        )
