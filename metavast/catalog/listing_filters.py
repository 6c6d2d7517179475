"""Listing filters: the parsed, validated request of a listing page or the API.

`Filters` is what a shopper asked for (query, category, brands, prices, stock, specification
values, sort, page), `parse_filters` reads it leniently from a query string, `filtered` turns
it into a queryset of visible products, and `Result` is one page of a listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from metavast.catalog import search
from metavast.catalog.cache import versioned
from metavast.catalog.models import Attribute, Product
from metavast.catalog.tree import Node, category_tree
from metavast.core.text import normalize
from metavast.core.vat import display_rate_basis_points, net_bounds

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
    def is_past_end(self) -> bool:
        """A page number beyond the last page («?page=99» of 16 results): not "nothing
        found", the page does not exist (answered 404 with a link to the first page)."""
        return self.count > 0 and self.filters.page > self.pages

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
        # Shoppers filter by the prices they see, VAT included (metavast.core.vat).
        qs = qs.price_between(
            *net_bounds(filters.min_price, filters.max_price, display_rate_basis_points())
        )
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
