"""Stock moves: reserve (a checkout holds units), release (it lets go), commit (they ship).

Each move is one conditional UPDATE that checks and changes the counts in the same
statement (`reserved = reserved + n WHERE on_hand - reserved >= n`), so two checkouts racing
for the last unit cannot both win, on any isolation level, without holding a lock across a
read. The database's check constraint (reserved <= on_hand) is the last line of defence.

Lock order: every move first locks the variant's product row, then touches the variant (see
`locks`), the same order orders use (products by id, then variants by id). A move that
changed the variant first and locked its product afterwards (to refresh its listing
columns) could wait forever on an order that holds the product and waits for the variant.

When a move makes a product buyable or sold out (or changes its cheapest buyable price), the
product's listing columns are refreshed and the catalog cache version bumped; otherwise only
the product page's version is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from metavast.audit.services import audit_record
from metavast.catalog import cache as catalog_cache
from metavast.catalog.errors import (
    InvalidQuantity,
    OutOfStock,
    StockBelowReserved,
    StockNotReserved,
    VariantNotFound,
)
from metavast.catalog.models import Product, Variant
from metavast.catalog.services.locks import lock_product_of_variant, lock_products_and_variants
from metavast.catalog.services.products import refresh_availability

MAX_QUANTITY = 1_000_000


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity()
    if not low <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity()


def _after_move(product: Product) -> None:
    """Refresh the locked product's listing columns; bump the caches after commit."""
    listing_changed = refresh_availability(product)
    slug = product.slug

    def bump():
        if listing_changed:
            catalog_cache.bump_catalog()
        catalog_cache.bump_product_slugs([slug])

    transaction.on_commit(bump)


@transaction.atomic
def stock_reserve(*, variant_id: int, quantity: int) -> None:
    """Hold `quantity` units for a checkout; OutOfStock if fewer are available."""
    _check_quantity(quantity)
    product = lock_product_of_variant(variant_id)
    updated = Variant.objects.filter(
        pk=variant_id, is_active=True, on_hand__gte=F("reserved") + quantity
    ).update(reserved=F("reserved") + quantity)
    if not updated:
        raise OutOfStock()
    _after_move(product)


@transaction.atomic
def stock_release(*, variant_id: int, quantity: int) -> None:
    """Give back units a checkout held (cart abandoned, payment failed)."""
    _check_quantity(quantity)
    product = lock_product_of_variant(variant_id)
    updated = Variant.objects.filter(pk=variant_id, reserved__gte=quantity).update(
        reserved=F("reserved") - quantity
    )
    if not updated:
        raise StockNotReserved()
    _after_move(product)


@transaction.atomic
def stock_commit(*, variant_id: int, quantity: int) -> None:
    """Reserved units leave the warehouse (order paid): both counts go down."""
    _check_quantity(quantity)
    product = lock_product_of_variant(variant_id)
    updated = Variant.objects.filter(
        pk=variant_id, reserved__gte=quantity, on_hand__gte=quantity
    ).update(reserved=F("reserved") - quantity, on_hand=F("on_hand") - quantity)
    if not updated:
        raise StockNotReserved()
    _after_move(product)


@transaction.atomic
def stock_set(*, variant_id: int, on_hand: int, actor=None) -> Variant:
    """Staff count the warehouse: set on_hand, never below what is reserved."""
    _check_quantity(on_hand, allow_zero=True)
    product = lock_product_of_variant(variant_id)
    try:
        variant = Variant.objects.select_for_update(of=("self",)).get(pk=variant_id)
    except Variant.DoesNotExist:  # deleted between the two statements
        raise VariantNotFound() from None
    if on_hand < variant.reserved:
        raise StockBelowReserved()
    before = {"on_hand": variant.on_hand}
    Variant.objects.filter(pk=variant_id).update(on_hand=on_hand)
    variant.on_hand = on_hand
    audit_record(
        action="catalog.stock_set",
        actor=actor,
        subject=variant,
        before=before,
        after={"on_hand": on_hand, "reserved": variant.reserved},
    )
    _after_move(product)
    return variant


@transaction.atomic
def products_bulk_stock_set(*, product_ids: Iterable[int], on_hand: int, actor) -> int:
    """Set every variant of these products to `on_hand` units (never below reserved).

    All the products are locked first, then all their variants, both by id: locking them
    product by product would hold a later product's variant while waiting for an earlier
    product that an order holds."""
    _check_quantity(on_hand, allow_zero=True)
    variants = lock_products_and_variants(product_ids)
    for variant in variants:
        stock_set(variant_id=variant.pk, on_hand=on_hand, actor=actor)
    return len(variants)
