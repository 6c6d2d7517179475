"""Loading many products at once (demo data, the benchmark catalog, imports).

`product_create` and friends refresh one product at a time, which is right for staff edits
and far too slow for 100,000 rows. Here the denormalised columns are computed in Python with
the same rules (`listing_summary`, `search.documents`) and rows go in with bulk inserts, in batches,
each batch in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from django.db import connection, transaction

from metavast.catalog import cache as catalog_cache
from metavast.catalog import search
from metavast.catalog.models import Brand, Product, ProductImage, ProductSpec, Variant
from metavast.catalog.services.products import listing_summary
from metavast.catalog.tree import load_tree
from metavast.core.text import compact, normalize


@dataclass
class VariantDraft:
    sku: str
    price: int
    on_hand: int
    compare_at_price: int | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    reserved: int = 0


@dataclass
class ProductDraft:
    title: str
    slug: str
    category_id: int
    brand_id: int | None
    description: str = ""
    specs: list[tuple[int, str]] = field(default_factory=list)  # (attribute id, value)
    variants: list[VariantDraft] = field(default_factory=list)
    images: list[tuple[str, str, int, int]] = field(default_factory=list)  # large, thumb, w, h
    sold_count: int = 0
    is_featured: bool = False


@lru_cache(maxsize=50_000)
def _normalized(text: str) -> str:
    return normalize(text)


@lru_cache(maxsize=50_000)
def _compacted(text: str) -> str:
    return compact(text)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def products_bulk_load(*, drafts: Iterable[ProductDraft], batch_size: int = 2000) -> int:
    """Insert the drafts whose slug is new; returns how many were inserted."""
    tree = load_tree()
    brands = {b.pk: b for b in Brand.objects.all()}
    category_names = {nid: [n.name for n in tree.lineage(nid)] for nid in tree.nodes}
    existing = set(Product.objects.values_list("slug", flat=True))
    created = 0
    for batch in _batches((d for d in drafts if d.slug not in existing), batch_size):
        with transaction.atomic():
            created += _load_batch(batch, brands, category_names)
    transaction.on_commit(catalog_cache.bump_catalog)
    return created


def _documents(draft: ProductDraft, brand: Brand | None, categories: list[str]) -> dict:
    # The same result as search.documents, with the repeated pieces (brand, category, spec
    # values) normalised once per distinct text rather than once per product.
    pieces = [
        draft.title,
        *([brand.name, brand.name_latin] if brand else []),
        *categories,
        *(value for _a, value in draft.specs),
        *(value for v in draft.variants for _n, value in v.options),
    ]
    keys: list[str] = []
    for piece in pieces:
        key = _compacted(piece) if piece else ""
        if key and key not in keys:
            keys.append(key)
    words = [draft.title, *([brand.name, brand.name_latin] if brand else []), *categories]
    return {
        "search_title": _compacted(draft.title),
        "search_key": search.SEPARATOR.join(keys),
        "search_words": " ".join(_normalized(w) for w in words if w and _normalized(w)),
    }


def _load_batch(batch: list[ProductDraft], brands: dict, category_names: dict) -> int:
    products = []
    for draft in batch:
        brand = brands.get(draft.brand_id)
        variants = [
            Variant(
                sku=v.sku,
                price=v.price,
                compare_at_price=v.compare_at_price,
                on_hand=v.on_hand,
                reserved=v.reserved,
                is_active=True,
            )
            for v in draft.variants
        ]
        for position, variant in enumerate(variants):
            variant.position = position
            variant.pk = position  # listing_summary breaks ties on pk; the real ids come later
        products.append(
            Product(
                title=draft.title,
                slug=draft.slug,
                category_id=draft.category_id,
                brand_id=draft.brand_id,
                description=draft.description,
                sold_count=draft.sold_count,
                is_featured=draft.is_featured,
                brand_name=brand.name if brand else "",
                cover_thumb=draft.images[0][1] if draft.images else "",
                **listing_summary(variants),
                **_documents(draft, brand, category_names.get(draft.category_id, [])),
            )
        )
    Product.objects.bulk_create(products)
    if connection.vendor != "postgresql" or any(p.pk is None for p in products):
        ids = dict(
            Product.objects.filter(slug__in=[p.slug for p in products]).values_list("slug", "id")
        )
        for product in products:
            product.pk = ids[product.slug]
    variants, specs, images = [], [], []
    for product, draft in zip(products, batch, strict=True):
        for position, v in enumerate(draft.variants):
            variants.append(
                Variant(
                    product_id=product.pk,
                    sku=v.sku,
                    price=v.price,
                    compare_at_price=v.compare_at_price,
                    on_hand=v.on_hand,
                    reserved=v.reserved,
                    options=[[n, value] for n, value in v.options],
                    position=position,
                )
            )
        for attribute_id, value in draft.specs:
            specs.append(
                ProductSpec(
                    product_id=product.pk,
                    attribute_id=attribute_id,
                    value=value,
                    value_key=_normalized(value),
                )
            )
        for position, (large, thumb, width, height) in enumerate(draft.images):
            images.append(
                ProductImage(
                    product_id=product.pk,
                    large=large,
                    thumb=thumb,
                    width=width,
                    height=height,
                    position=position,
                )
            )
    Variant.objects.bulk_create(variants, batch_size=5000)
    ProductSpec.objects.bulk_create(specs, batch_size=5000)
    ProductImage.objects.bulk_create(images, batch_size=5000)
    search.index_products([p.pk for p in products])
    search.remember_terms({p.search_words for p in products})
    return len(products)
