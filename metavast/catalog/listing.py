"""Listing products: the filters, sorting and paging shared by pages and the API.

`Filters` is the parsed, validated request; `browse` runs it: one COUNT and one page query,
whatever the page size or catalog size. Product cards are plain dicts of the denormalised
columns, so a page of 24 or 96 products costs the same two queries.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, OrderBy, Window
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metavast.catalog import search
from metavast.catalog.cache import catalog_version, page_key, versioned
from metavast.catalog.models import SORT_ORDERS, Attribute, Product, ProductSpec
from metavast.catalog.search_phonetic import typo_distance
from metavast.catalog.search_vocabulary import max_typo
from metavast.catalog.tree import Node, category_tree
from metavast.core.money import format_toman
from metavast.core.text import compact, normalize, to_persian_digits

SORTS = {
    "relevance": "مرتبط‌ترین",
    "newest": "جدیدترین",
    "bestselling": "پرفروش‌ترین",
    "cheapest": "ارزان‌ترین",
    "dearest": "گران‌ترین",
    "rating": "بیشترین امتیاز",
}
PER_PAGE = 24
MAX_PER_PAGE = 96
MAX_PAGE = 1000
MAX_PRICE = 10**15
SPEC_PREFIX = "spec_"
_SLUG = re.compile(r"^[-\w]{1,140}$")
MAX_FILTER_VALUES = 20


@dataclass
class Filters:
    query: str = ""  # normalised: what is searched
    category: Node | None = None
    brands: list[str] = field(default_factory=list)
    min_price: int | None = None  # Rials
    max_price: int | None = None  # Rials
    in_stock: bool = False
    specs: dict[str, list[str]] = field(default_factory=dict)  # attribute slug -> value keys
    sort: str = "newest"
    page: int = 1
    per_page: int = PER_PAGE
    typed: str = ""  # the query exactly as the shopper typed it: what the page shows

    def identity(self) -> str:
        """A canonical string of everything that changes the result (for cache keys)."""
        parts = [
            self.query,
            str(self.category.id if self.category else ""),
            ",".join(sorted(self.brands)),
            str(self.min_price),
            str(self.max_price),
            str(int(self.in_stock)),
            ";".join(f"{k}={','.join(sorted(v))}" for k, v in sorted(self.specs.items())),
            self.sort,
            str(self.page),
            str(self.per_page),
            self.typed,
        ]
        return "|".join(parts)

    def querystring(self, **overrides) -> str:
        """The shop's URL parameters for these filters (prices shown in Toman)."""
        values = {
            "q": self.typed or self.query,
            "brand": self.brands,
            "min": self.min_price // 10 if self.min_price is not None else None,
            "max": self.max_price // 10 if self.max_price is not None else None,
            "stock": "1" if self.in_stock else None,
            "sort": self.sort,
            "page": self.page if self.page > 1 else None,
        }
        for slug, keys in self.specs.items():
            values[SPEC_PREFIX + slug] = keys
        values.update(overrides)
        pairs = []
        for key, value in values.items():
            if value in (None, "", []):
                continue
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, item))
        return urlencode(pairs)


def _int(raw, *, low: int, high: int) -> int | None:
    if raw is None:
        return None
    text = normalize(str(raw)).replace(",", "").replace("٬", "")
    if not text.isdigit() or len(text) > 18:
        return None
    return min(max(int(text), low), high)


def parse_filters(params, *, category: Node | None = None, default_sort: str = "newest"):
    """Filters from a page's query string. Lenient: garbage is ignored, never an error."""
    brands = [b for b in params.getlist("brand") if _SLUG.match(b)][:MAX_FILTER_VALUES]
    specs: dict[str, list[str]] = {}
    for key in params:
        if key.startswith(SPEC_PREFIX) and len(key) <= 70:
            values = [normalize(v)[:200] for v in params.getlist(key) if v]
            if values:
                specs[key[len(SPEC_PREFIX) :]] = sorted(set(values))[:MAX_FILTER_VALUES]
    low = _int(params.get("min"), low=0, high=MAX_PRICE // 10)
    high = _int(params.get("max"), low=0, high=MAX_PRICE // 10)
    sort = params.get("sort") or default_sort
    typed = (params.get("q") or "")[: search.MAX_QUERY_CHARS].replace("\x00", "").strip()
    return Filters(
        typed=typed,
        query=search.clean_query(params.get("q")),
        category=category,
        brands=sorted(set(brands)),
        min_price=low * 10 if low is not None else None,
        max_price=high * 10 if high is not None else None,
        in_stock=params.get("stock") in ("1", "on", "true"),
        specs=specs,
        sort=sort if sort in SORTS else default_sort,
        page=_int(params.get("page"), low=1, high=MAX_PAGE) or 1,
        per_page=PER_PAGE,
    )


@dataclass
class Result:
    filters: Filters
    items: list[dict]
    count: int
    pages: int
    fuzzy: bool = False  # a typo was corrected, or no product has every word (partial)
    corrected_query: str = ""  # set when a typo was corrected: «منظور شما «…» بود؟»
    ignored: list[str] = field(default_factory=list)  # words that matched nothing, left out
    partial: bool = False  # no product has every word: these have the most of them
    facets: dict | None = None  # brands among the results, with counts
    suggestions: dict | None = None  # on an empty page: categories and popular products

    @property
    def has_next(self) -> bool:
        return self.filters.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.filters.page > 1

    @property
    def is_miss(self) -> bool:
        return bool(self.filters.query) and self.count == 0

    @property
    def shown_query(self) -> str:
        return self.filters.typed or self.filters.query


def _attribute_ids(slugs) -> dict[str, int]:
    if not slugs:
        return {}
    mapping = versioned("attrs", lambda: dict(Attribute.objects.values_list("slug", "id")))
    return {slug: mapping[slug] for slug in slugs if slug in mapping}


def filtered(filters: Filters, *, by_category: bool = True):
    qs = Product.objects.visible()
    if filters.category is not None and by_category:
        qs = qs.in_categories(category_tree().descendant_ids(filters.category.id))
    if filters.brands:
        qs = qs.of_brands(filters.brands)
    if filters.min_price is not None or filters.max_price is not None:
        qs = qs.price_between(filters.min_price, filters.max_price)
    if filters.in_stock:
        qs = qs.in_stock()
    attribute_ids = _attribute_ids(filters.specs)
    for slug, keys in filters.specs.items():
        qs = qs.with_spec(attribute_ids[slug], keys) if slug in attribute_ids else qs.none()
    return qs


CARD_FIELDS = (
    "id",
    "title",
    "slug",
    "price",
    "compare_at_price",
    "in_stock",
    "cover_thumb",
    "brand_name",
    "rating_average",
    "rating_count",
)


def card(row: dict, media_url: str = "/media/") -> dict:
    price, compare = row["price"], row["compare_at_price"]
    discount = round(100 * (compare - price) / compare) if compare and compare > price else 0
    item = {
        **row,
        "url": f"/product/{quote(row['slug'])}/",
        "image": f"{media_url}{row['cover_thumb']}" if row["cover_thumb"] else "",
        "price_text": format_toman(price),
        "compare_text": format_toman(compare) if discount else "",
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
        f'<span class="card-title">{escape(item["title"])}</span>{_rating_html(item)}{price}'
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


def _matches_first(sort: str) -> list[OrderBy]:
    """A sort order for search results that PostgreSQL cannot read off a sorted index.

    The search counts its matches in the same query (COUNT(*) OVER ()), so every match is
    read whatever the page. Given ORDER BY price and a LIMIT, the planner walks the whole
    price index and tests each of the 100,000 products against the words (160 ms), instead
    of finding the few thousand matches through the trigram index and sorting them (10 ms):
    it does not cost the window's full read. COALESCE(x, x) is the same order, but no index
    provides it."""
    order = []
    for key in SORT_ORDERS[sort]:
        name = key.lstrip("-")
        expression = Coalesce(F(name), F(name))
        order.append(expression.desc() if key.startswith("-") else expression.asc())
    return order


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


def _ranked_page(matches, filters: Filters, *, partial: bool = False) -> tuple[list, int]:
    """One page of search matches and their total, in one statement: ranking reads every
    match anyway, so the total comes from the same scan (COUNT(*) OVER ())."""
    if filters.sort == "relevance":
        ordered = search.by_relevance(matches)
    else:
        order = _matches_first(filters.sort)
        ordered = matches.order_by("-search_hits", *order) if partial else matches.order_by(*order)
    start = (filters.page - 1) * filters.per_page
    counted = list(
        ordered.annotate(total=Window(Count("id"))).values(*CARD_FIELDS, "total")[
            start : start + filters.per_page
        ]
    )
    count = counted[0]["total"] if counted else (ordered.count() if start else 0)
    return [{k: row[k] for k in CARD_FIELDS} for row in counted], count


def browse(filters: Filters, *, media_url: str = "/media/", with_facets: bool = False) -> Result:
    qs = filtered(filters)
    if filters.query:
        return _search(filters, qs, media_url=media_url, with_facets=with_facets)
    ordered = qs.sorted_by(filters.sort)
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
    return Result(
        filters=filters, items=[card(r, media_url) for r in rows], count=count, pages=pages
    )


def _search(filters: Filters, qs, *, media_url: str, with_facets: bool) -> Result:
    """A search: what the shopper meant (search.understand), every word matched; if no
    product has every word, the products with the most of them (partial). A constant number
    of statements: at most one probe, one or two ranked pages, one facet count, one for the
    popular products of an empty page (cached per catalog version)."""
    understanding = search.understand(filters.query)
    matches = search.matching(qs, understanding)
    rows, count = _ranked_page(matches, filters)
    partial = False
    if not count and understanding.is_corrected and len(understanding.pieces) > 1:
        # A "correction" that leaves nothing («دانشجو» → «دانشور» beside «لپ تاپ») was a
        # word the catalog does not have: leave it out instead.
        kept = [p for p in understanding.pieces if not p.corrected]
        if kept:
            narrower = replace(understanding, pieces=kept, ignored=list(understanding.ignored))
            rows, count = _ranked_page(search.matching(qs, narrower), filters)
            if count:
                narrower.ignored += [p.typed for p in understanding.pieces if p.corrected]
                understanding = narrower
    if not count and len(understanding.pieces) > 1:
        matches = search.matching_some(qs, understanding)
        rows, count = _ranked_page(matches, filters, partial=True)
        partial = bool(count)
    result = Result(
        filters=filters,
        items=[card(r, media_url) for r in rows],
        count=count,
        pages=max(1, math.ceil(count / filters.per_page)),
        fuzzy=understanding.is_corrected or partial,
        corrected_query=understanding.corrected_query if understanding.is_corrected else "",
        ignored=understanding.ignored,
        partial=partial,
    )
    if with_facets and count:
        brandless = filtered(replace(filters, brands=[]))
        if partial:
            facet_matches = search.matching_some(brandless, understanding)
        else:
            facet_matches = search.matching(brandless, understanding)
        # Per catalog version and query: re-sorting and paging do not change them.
        identity = replace(filters, brands=[], sort="", page=1).identity()
        key = page_key("search-facets", f"{catalog_version()}|{identity}")
        brands = cache.get(key)
        if brands is None:
            brands = _brand_counts(facet_matches)
            cache.set(key, brands, COUNT_TTL)
        result.facets = {"brands": brands, "attributes": []}
    if not count:
        result.suggestions = {
            "categories": closest_categories(understanding),
            "products": [card(r, media_url) for r in popular_rows()],
        }
    return result


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


def closest_categories(understanding, limit: int = 4) -> list[Node]:
    """Visible categories whose names hold, or nearly hold, a word of the query."""
    words = [a for p in understanding.pieces for a in p.alternatives]
    words += [compact(w) for w in understanding.ignored]
    words += [compact(w) for w in understanding.query.split()]
    words = [w for w in dict.fromkeys(words) if len(w) >= 2]
    tree = category_tree()
    found = []
    for node in tree.nodes.values():
        if not tree.is_visible(node.id):
            continue
        name = compact(node.name)
        parts = [compact(w) for w in normalize(node.name).split() if len(w) >= 3]
        if any(
            w in name
            or any(
                len(w) >= 3 and typo_distance(w, part, limit=1.0) <= max_typo(w) for part in parts
            )
            for w in words
        ):
            found.append(node)
    return found[:limit]


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
        .annotate(n=Count("id"))
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
                    "label": to_persian_digits(row["value_key"]),
                    "count": row["n"],
                }
            )
    return {
        "brands": [
            {"slug": b["brand__slug"], "name": b["brand__name"], "count": b["n"]} for b in brands
        ],
        "attributes": [a for a in attributes.values() if len(a["values"]) > 1],
    }
