"""Catalog API: categories, product search/listing and product detail.

Query parameters are validated by their schema (bounds, patterns, enums), so bad input is a
422 in the one error shape, never a 500. Prices here are Rials, as everywhere in the API.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from django.conf import settings
from django.db.models import Prefetch
from django.http import QueryDict
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from metavast.catalog import cache as catalog_cache
from metavast.catalog import listing
from metavast.catalog.errors import CategoryNotFound, ProductNotFound
from metavast.catalog.models import Product, ProductSpec, Variant
from metavast.catalog.tree import category_tree
from metavast.core.schemas import ErrorOut, InputSchema, SearchText
from metavast.core.text import normalize
from metavast.core.vat import display_gross

router = Router(tags=["catalog"])

SLUG_PATTERN = r"^[-\w]{1,140}$"
SPEC_PATTERN = r"^[-\w]{1,60}:[^\x00]{1,200}$"
SLUG_RE = re.compile(r"^[-\w]{1,220}$")
MAX_PRICE = listing.MAX_PRICE


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None
    depth: int
    url: str


class ProductCardOut(Schema):
    id: int
    title: str
    slug: str
    brand: str
    price: int = Field(description="کمترین قیمت، به ریال، با مالیات بر ارزش افزوده")
    compare_at_price: int | None
    in_stock: bool
    image: str
    url: str
    rating_average: int = Field(
        0, description="میانگین امتیاز دیدگاه‌های تأییدشده، در دهم (۴۵ یعنی ۴٫۵)"
    )
    rating_count: int = Field(0, description="شمار دیدگاه‌های تأییدشده")


class ProductPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    fuzzy: bool = Field(description="واژه‌ای اصلاح شد یا کالایی همهٔ واژه‌ها را نداشت")
    query: str = Field("", description="عبارت جست‌وجو، همان‌گونه که نوشته شد")
    corrected_query: str = Field("", description="عبارت اصلاح‌شده‌ای که جست‌وجو شد (منظور شما)")
    ignored_words: list[str] = Field(
        default_factory=list, description="واژه‌هایی که با هیچ کالایی جور نشد و کنار گذاشته شد"
    )
    partial: bool = Field(False, description="کالایی همهٔ واژه‌ها را نداشت؛ بیشترین‌ها آمده‌اند")
    items: list[ProductCardOut]


class ProductFilters(InputSchema):
    q: SearchText = Field("", max_length=200, description="عبارت جست‌وجو")
    category: str | None = Field(None, pattern=SLUG_PATTERN)
    brand: list[Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]] = Field(
        default_factory=list, max_length=20
    )
    spec: list[Annotated[str, StringConstraints(pattern=SPEC_PATTERN)]] = Field(
        default_factory=list,
        max_length=20,
        description="مشخصه به شکل «slug:مقدار»، مثلاً storage:128 گیگابایت",
    )
    min_price: int | None = Field(None, ge=0, le=MAX_PRICE, description="ریال")
    max_price: int | None = Field(None, ge=0, le=MAX_PRICE, description="ریال")
    in_stock: bool = False
    sort: Literal["relevance", "newest", "bestselling", "cheapest", "dearest", "rating"] | None = (
        Field(
            None,
            description="پیش‌فرض همان فروشگاه: با q «relevance»، بی q «bestselling» (موجودها اول)",
        )
    )
    page: int = Field(1, ge=1, le=listing.MAX_PAGE)
    page_size: int = Field(listing.PER_PAGE, ge=1, le=listing.MAX_PER_PAGE)


class VariantOut(Schema):
    id: int
    sku: str
    options: list[list[str]]
    price: int
    compare_at_price: int | None
    available: int


class SpecOut(Schema):
    attribute: str
    value: str


class ImageOut(Schema):
    large: str
    thumb: str
    width: int
    height: int
    alt: str


class ProductOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    brand: str
    category: CategoryOut
    breadcrumbs: list[CategoryOut]
    price: int
    compare_at_price: int | None
    in_stock: bool
    url: str
    variants: list[VariantOut]
    specs: list[SpecOut]
    images: list[ImageOut]


def _category_out(node) -> dict:
    return {
        "id": node.id,
        "name": node.name,
        "slug": node.slug,
        "parent_id": node.parent_id,
        "depth": node.depth,
        "url": node.url,
    }


@router.get(
    "/categories",
    response={200: list[CategoryOut]},
    summary="درخت دسته‌بندی‌ها",
    operation_id="catalog_list_categories",
)
def categories(request):
    with catalog_cache.request_scope():
        tree = category_tree()
        return [_category_out(n) for n in tree.nodes.values() if tree.is_visible(n.id)]


@router.get(
    "/products",
    response={200: ProductPageOut, 404: ErrorOut, 422: ErrorOut},
    summary="فهرست و جست‌وجوی کالاها",
    operation_id="catalog_list_products",
)
def products(request, filters: Query[ProductFilters]):
    with catalog_cache.request_scope():
        return _products(filters)


def _products(filters: ProductFilters) -> dict:
    node = None
    if filters.category:
        node = category_tree().find(filters.category)
        if node is None:
            raise CategoryNotFound()
    params = QueryDict(mutable=True)
    params["q"] = filters.q
    parsed = listing.parse_filters(params, category=node)
    parsed.brands = sorted({b for b in filters.brand if b})
    for item in filters.spec:
        slug, _, value = item.partition(":")
        if normalize(value):
            parsed.specs.setdefault(slug, []).append(normalize(value))
    parsed.min_price, parsed.max_price = filters.min_price, filters.max_price
    parsed.in_stock = filters.in_stock
    # The storefront's own defaults (catalog.views), so an app lists what the site lists.
    parsed.sort = filters.sort or ("relevance" if parsed.query else "bestselling")
    parsed.page, parsed.per_page = filters.page, filters.page_size
    result = listing.browse(parsed, media_url=settings.MEDIA_URL)
    return {
        "count": result.count,
        "page": parsed.page,
        "pages": result.pages,
        "page_size": parsed.per_page,
        "fuzzy": result.fuzzy,
        "query": result.shown_query,
        "corrected_query": result.corrected_query,
        "ignored_words": result.ignored,
        "partial": result.partial,
        "items": [
            {
                "id": c["id"],
                "title": c["title"],
                "slug": c["slug"],
                "brand": c["brand_name"],
                "price": display_gross(c["price"]),
                "compare_at_price": display_gross(c["compare_at_price"]),
                "in_stock": c["in_stock"],
                "image": c["image"],
                "url": c["url"],
                "rating_average": c["rating_average"],
                "rating_count": c["rating_count"],
            }
            for c in result.items
        ],
    }


@router.get(
    "/products/{slug}",
    response={200: ProductOut, 404: ErrorOut, 422: ErrorOut},
    summary="جزئیات یک کالا",
    operation_id="catalog_get_product",
)
def product_detail(request, slug: str):
    with catalog_cache.request_scope():
        return _product_detail(slug)


def _product_detail(slug: str) -> dict:
    if not SLUG_RE.match(slug):
        raise ProductNotFound()
    product = (
        Product.objects.visible()
        .select_related("brand")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.active()),
            "images",
            Prefetch("specs", queryset=ProductSpec.objects.select_related("attribute")),
        )
        .filter(slug=slug)
        .first()
    )
    if product is None:
        raise ProductNotFound()
    tree = category_tree()
    lineage = tree.lineage(product.category_id)
    media = settings.MEDIA_URL
    return {
        "id": product.pk,
        "title": product.title,
        "slug": product.slug,
        "description": product.description,
        "brand": product.brand.name if product.brand else "",
        "category": _category_out(lineage[-1]),
        "breadcrumbs": [_category_out(n) for n in lineage],
        "price": display_gross(product.price),
        "compare_at_price": display_gross(product.compare_at_price),
        "in_stock": product.in_stock,
        "url": product.get_absolute_url(),
        "variants": [
            {
                "id": v.pk,
                "sku": v.sku,
                "options": [[str(n), str(value)] for n, value in v.options or []],
                "price": display_gross(v.price),
                "compare_at_price": display_gross(v.compare_at_price),
                "available": v.available,
            }
            for v in product.variants.all()
        ],
        "specs": [{"attribute": s.attribute.name, "value": s.value} for s in product.specs.all()],
        "images": [
            {
                "large": f"{media}{i.large.name}",
                "thumb": f"{media}{i.thumb.name}",
                "width": i.width,
                "height": i.height,
                "alt": i.alt,
            }
            for i in product.images.all()
        ],
    }
