"""Row locks for catalog writes, always taken in one order: products by id, then variants by id.

Orders take the same order when they place, pay, cancel or expire
(`metavast.orders.services.stock.lock_stock_rows`), so a staff stock count, a price edit or a
bulk action can never hold a variant while waiting for its product that an order holds while
waiting for that variant. Every catalog service that changes a variant, or a product's
children (specifications, images), locks the product rows first through these functions;
`product_refresh` then re-locks rows the transaction already holds, which costs nothing.

The locks are FOR UPDATE OF the locked table only, so a join used to find the rows locks
nothing else. SQLite has no row locks; there the queries are plain reads (the writer holds
the whole database anyway).
"""

from __future__ import annotations

from collections.abc import Iterable

from metavast.catalog.errors import VariantNotFound
from metavast.catalog.models import Product, Variant

# What a stock move needs of its product to refresh the listing columns.
PRODUCT_STOCK_FIELDS = ("id", "slug", "price", "compare_at_price", "in_stock")


def lock_products(product_ids: Iterable[int]) -> list[int]:
    """Lock these products, by id; returns the ids that exist."""
    ids = sorted(set(product_ids))
    if not ids:
        return []
    return list(
        Product.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )


def lock_product_of_variant(variant_id: int) -> Product:
    """Lock the product of one variant (one query, the variant itself is not locked yet)."""
    product = (
        Product.objects.filter(variants__pk=variant_id)
        .select_for_update(of=("self",))
        .only(*PRODUCT_STOCK_FIELDS)
        .first()
    )
    if product is None:
        raise VariantNotFound()
    return product


def lock_variants(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock the variants' products, then the variants, both by id; returns the variants."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    product_ids = Variant.objects.filter(pk__in=ids).values_list("product_id", flat=True)
    lock_products(product_ids)
    variants = Variant.objects.filter(pk__in=ids).order_by("pk").select_for_update(of=("self",))
    return {v.pk: v for v in variants}


def lock_products_and_variants(product_ids: Iterable[int]) -> list[Variant]:
    """Lock these products, then all their variants, both by id; returns the variants."""
    ids = lock_products(product_ids)
    if not ids:
        return []
    return list(
        Variant.objects.filter(product_id__in=ids).order_by("pk").select_for_update(of=("self",))
    )
