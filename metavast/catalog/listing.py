"""Listing products: sorting, paging and product cards, shared by pages and the API.

The request is parsed into `Filters` (listing_filters); `browse` runs it: one COUNT and one
page query for a category, whatever the page size or catalog size, and for a search the ranked
statement of listing_search. Product cards are plain dicts of the denormalised columns, so a
page of 24 or 96 products costs the same queries.
"""

from __future__ import annotations

import math
from dataclasses import replace
from urllib.parse import quote

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metavast.catalog import listing_search, search
from metavast.catalog.cache import catalog_version, page_key, versioned
from metavast.catalog.listing_filters import (
    CARD_FIELDS,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_PRICE,
    PER_PAGE,
    SORTS,
    SPEC_PREFIX,
    Filters,
    Result,
    filtered,
    parse_filters,
)
from metavast.catalog.listing_search import closest_categories, popular_rows
from metavast.catalog.models import SORT_ORDERS, Product, ProductSpec
from metavast.catalog.tree import Node, category_tree
from metavast.core.money import format_toman
from metavast.core.text import to_persian_digits, to_persian_number_text
from metavast.core.vat import display_gross, display_rate_basis_points

# Kept importable from here: pages, the API, facets and tests use listing.<name>.
__all__ = [
    "CARD_FIELDS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_PRICE",
    "PER_PAGE",
    "SORTS",
    "SPEC_PREFIX",
    "Filters",
    "Result",
    "browse",
    "card",
    "cards",
    "closest_categories",
    "facets",
    "filtered",
    "parse_filters",
    "popular_rows",
    "search",
]


# A card is a pure function of its row, the media URL and the VAT rate, so this process keeps
# the cards it built under exactly those values: a product shown again (another sort, page
# or filter, the same search paged) costs a dict lookup. Nothing can go stale: any change of
# a shown column, or of the rate, is a different key. Bounded; cleared when full.
_CARD_MEMO: dict[tuple, dict] = {}
CARD_MEMO_MAX = 5_000  # about 3 KB each: some 15 MB a worker at most


def card(row: dict, media_url: str = "/media/", *, basis_points: int | None = None) -> dict:
    """A product card for a listing row. Pass the VAT `basis_points` when building many
    cards (one read of the day's rate per page instead of one per price)."""
    if basis_points is None:
        basis_points = display_rate_basis_points()
    key = (media_url, basis_points, *row.items())
    try:
        found = _CARD_MEMO.get(key)
    except TypeError:  # a row with an unhashable extra value: built, not kept
        return _build_card(row, media_url, basis_points)
    if found is not None:
        return dict(found)
    item = _build_card(row, media_url, basis_points)
    if len(_CARD_MEMO) >= CARD_MEMO_MAX:
        _CARD_MEMO.clear()
    _CARD_MEMO[key] = item
    return dict(item)


def cards(rows, media_url: str = "/media/") -> list[dict]:
    basis_points = display_rate_basis_points()
    return [card(r, media_url, basis_points=basis_points) for r in rows]


def _build_card(row: dict, media_url: str, basis_points: int) -> dict:
    price, compare = row["price"], row["compare_at_price"]
    discount = round(100 * (compare - price) / compare) if compare and compare > price else 0
    item = {
        **row,
        "url": f"/product/{quote(row['slug'])}/",
        "image": f"{media_url}{row['cover_thumb']}" if row["cover_thumb"] else "",
        # Shoppers see prices with VAT included (metavast.core.vat).
        "price_text": format_toman(display_gross(price, basis_points)),
        "compare_text": format_toman(display_gross(compare, basis_points)) if discount else "",
        "discount_text": to_persian_digits(discount) if discount else "",
        **rating_texts(row.get("rating_average", 0), row.get("rating_count", 0)),
    }
    item["html"] = card_html(item)
    return item


STARS = 5


def rating_texts(average_tenths: int, count: int) -> dict:
    """What a card shows of a product's approved reviews: nothing when there are none."""
    if not count:
        return {"rating_text": "", "rating_count_text": "", "rating_label": "", "stars_full": 0}
    average = to_persian_digits(f"{average_tenths // 10}٫{average_tenths % 10}")
    count_text = to_persian_digits(count)
    return {
        "rating_text": average,
        "rating_count_text": count_text,
        "rating_label": f"امتیاز {average} از {to_persian_digits(STARS)} ({count_text} دیدگاه)",
        # Whole stars, rounded half up (۴٫۵ shows five).
        "stars_full": min(STARS, (average_tenths + 5) // 10),
    }


def _rating_html(item: dict) -> str:
    if not item.get("rating_text"):
        return ""
    full = item["stars_full"]
    stars = "★" * full + "☆" * (STARS - full)
    # The stars and numbers are for the eye; a screen reader reads the one sentence.
    return (
        f'<span class="card-rating"><span class="stars" aria-hidden="true">{stars}</span>'
        f'<span aria-hidden="true">{escape(item["rating_text"])}'
        f' <span class="rating-count">({escape(item["rating_count_text"])})</span></span>'
        f'<span class="sr-only">{escape(item["rating_label"])}</span></span>'
    )


def card_html(item: dict) -> SafeString:
    """A product card, built in Python: a listing shows up to 96 of them and the template
    engine would spend most of the page's time on their few dozen lookups each."""
    image = (
        f'<img src="{escape(item["image"])}" alt="" width="400" height="400" loading="lazy"'
        ' decoding="async">'
        if item["image"]
        else ""
    )
    if item["in_stock"]:
        badge = (
            f'<span class="badge">٪{item["discount_text"]}</span>' if item["discount_text"] else ""
        )
        compare = f"<s>{item['compare_text']}</s>" if item["compare_text"] else ""
        price = f'<span class="card-price">{badge}<b>{item["price_text"]}</b>{compare}</span>'
    else:
        price = '<span class="card-price out">ناموجود</span>'
    sold_out = "" if item["in_stock"] else " sold-out"
    return mark_safe(
        f'<li class="card{sold_out}"><a href="{escape(item["url"])}">'
        f'<span class="thumb">{image}</span>'
        f'<span class="card-title">{escape(to_persian_number_text(item["title"]))}</span>{_rating_html(item)}{price}'
        "</a></li>"
    )


def _page_rows(qs, filters: Filters) -> list[dict]:
    start = (filters.page - 1) * filters.per_page
    return list(qs.values(*CARD_FIELDS)[start : start + filters.per_page])


UNION_MAX_ROWS = 2400


def _page_rows_by_union(filters: Filters, category_ids: list[int]) -> list[dict]:
    """A parent category on PostgreSQL: one ordered, limited index scan per subcategory,
    merged, instead of sorting every product of the parent (27,000 at 100k products)."""
    start = (filters.page - 1) * filters.per_page
    end = start + filters.per_page
    order = SORT_ORDERS[filters.sort]
    columns = tuple(dict.fromkeys((*CARD_FIELDS, *(o.lstrip("-") for o in order))))
    base = filtered(filters, by_category=False)
    parts = [
        base.filter(category_id=cid).order_by(*order).values(*columns)[:end] for cid in category_ids
    ]
    merged = parts[0].union(*parts[1:], all=True).order_by(*order)
    return [{k: row[k] for k in CARD_FIELDS} for row in merged[start:end]]


COUNT_TTL = 3600


def _count(filters: Filters, qs) -> int:
    """The number of products a listing pages through, cached per catalog version and
    filters: sorting and paging do not change it, and shoppers re-sort and page a category
    far more often than the catalog changes (a COUNT reads every row of a large category)."""
    identity = replace(filters, sort="", page=1).identity()
    key = page_key("count", f"{catalog_version()}|{identity}")
    count = cache.get(key)
    if count is None:
        count = qs.count()
        cache.set(key, count, COUNT_TTL)
    return count


def browse(filters: Filters, *, media_url: str = "/media/", with_facets: bool = False) -> Result:
    if filters.query:
        return _search(filters, media_url=media_url, with_facets=with_facets)
    ordered = filtered(filters).sorted_by(filters.sort)
    count = _count(filters, ordered)
    category_ids = category_tree().descendant_ids(filters.category.id) if filters.category else []
    if not count:
        rows = []
    elif (
        connection.vendor == "postgresql"
        and 1 < len(category_ids) <= 50
        and filters.page * filters.per_page <= UNION_MAX_ROWS
    ):
        rows = _page_rows_by_union(filters, category_ids)
    else:
        rows = _page_rows(ordered, filters)
    pages = max(1, math.ceil(count / filters.per_page))
    return Result(filters=filters, items=cards(rows, media_url), count=count, pages=pages)


def _search(filters: Filters, *, media_url: str, with_facets: bool) -> Result:
    """A search: the ranking of listing_search (cached per catalog version), the page's
    cards, the brands among the results and, on an empty page, suggestions. A constant
    number of statements: at most one probe and three ranked statements when the ranking is
    not cached, one read of the page's rows when it is, one facet count (cached), one for the
    popular products of an empty page (cached per catalog version)."""
    found = listing_search.ranking(filters)
    understanding, count = found.understanding, found.count
    result = Result(
        filters=filters,
        items=cards(found.rows, media_url),
        count=count,
        pages=max(1, math.ceil(count / filters.per_page)),
        fuzzy=understanding.is_corrected or found.partial,
        corrected_query=understanding.corrected_query if understanding.is_corrected else "",
        ignored=list(understanding.ignored),
        partial=found.partial,
    )
    if with_facets and count:
        result.facets = {"brands": listing_search.brand_counts(filters, found), "attributes": []}
    if not count:
        result.suggestions = {
            "categories": closest_categories(understanding),
            "products": cards(popular_rows(), media_url),
        }
    return result


def facets(category: Node) -> dict:
    """Brands and filterable specification values in a category (and its subcategories),
    with counts. Independent of the other filters, so cached per category and version."""
    return versioned(f"facets:{category.id}", lambda: _facets(category))


def _facets(category: Node) -> dict:
    ids = category_tree().descendant_ids(category.id)
    products = Product.objects.visible().in_categories(ids)
    brands = list(
        products.exclude(brand=None)
        .values("brand__slug", "brand__name")
        .annotate(n=Count("id"))
        .order_by("-n", "brand__name")[:30]
    )
    rows = (
        ProductSpec.objects.filter(
            attribute__is_filterable=True,
            product__is_published=True,
            product__category_id__in=ids,
        )
        .values("attribute__slug", "attribute__name", "attribute__position", "value_key")
        # One value as typed shows the facet («اندروید», «۶٫۷ اینچ»), not its lowercased key.
        .annotate(n=Count("id"), shown=Min("value"))
        .order_by("attribute__position", "attribute__slug", "-n", "value_key")
    )
    attributes: dict[str, dict] = {}
    for row in rows:
        entry = attributes.setdefault(
            row["attribute__slug"],
            {"slug": row["attribute__slug"], "name": row["attribute__name"], "values": []},
        )
        if len(entry["values"]) < 12:
            entry["values"].append(
                {
                    "key": row["value_key"],
                    "label": to_persian_number_text(row["shown"] or row["value_key"]),
                    "count": row["n"],
                }
            )
    return {
        "brands": [
            {"slug": b["brand__slug"], "name": b["brand__name"], "count": b["n"]} for b in brands
        ],
        "attributes": [a for a in attributes.values() if len(a["values"]) > 1],
    }
