"""Stock moves for an order's lines, always under locks taken in one fixed order.

Every order path (placing, paying, cancelling, expiring) locks rows in the same order:
the order row, then the products of its variants by id, then the variants by id. The
catalog's stock functions lock a variant's product and then touch the variant; taking the
products first here means two orders whose lines interleave across products can never wait
on each other in a circle.

An order moves all its lines at once (issue 16): the products are locked and read in one
query, all their variants in a second, then each variant's move is one conditional UPDATE
(`reserved = reserved + n WHERE on_hand - reserved >= n`, the catalog's rule), with no
savepoint and no re-read: the rows are locked, so the new counts are known, and each
product's listing columns are refreshed from them (an UPDATE only when they change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.fields import PositiveIntegerField

from metavast.catalog import cache as catalog_cache
from metavast.catalog.errors import OutOfStock, StockNotReserved
from metavast.catalog.models import Product, Variant
from metavast.catalog.services.products import listing_summary
from metavast.catalog.services.stock import stock_set


@dataclass
class LockedStock:
    """Rows this transaction holds: the products and every variant of them, by id."""

    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)

    def requested(self, variant_ids: Iterable[int]) -> dict[int, Variant]:
        return {pk: self.variants[pk] for pk in variant_ids if pk in self.variants}


def lock_stock(variant_ids: Iterable[int]) -> LockedStock:
    """Lock the variants' products, then all their variants, both by id (two queries)."""
    ids = sorted(set(variant_ids))
    if not ids:
        return LockedStock()
    # The products are found through a subquery on their variants and locked in id order
    # (PostgreSQL sorts before it locks). Their sibling variants are locked too: a product's
    # listing columns are computed from all of them, and every writer of a variant holds its
    # product first, so this adds no wait.
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=Variant.objects.filter(pk__in=ids).values("product_id")
        )
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    variants = {}
    for variant in (
        Variant.objects.filter(product_id__in=list(products))
        .order_by("pk")
        .select_for_update(of=("self",))
    ):
        variant.product = products[variant.product_id]
        variants[variant.pk] = variant
    return LockedStock(products=products, variants=variants)


def lock_stock_rows(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock the variants' products, then the variants, both by id; return the variants."""
    ids = sorted(set(variant_ids))
    return lock_stock(ids).requested(ids)


def _quantities(lines) -> list[tuple[int, int]]:
    """(variant id, units) per variant, by id; lines whose variant is gone are skipped."""
    totals: dict[int, int] = {}
    for line in lines:
        if line.variant_id is not None:
            totals[line.variant_id] = totals.get(line.variant_id, 0) + line.quantity
    return sorted(totals.items())


def _check_units(quantity) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"a stock move needs a positive whole number, not {quantity!r}")


def _refresh_listings(locked: LockedStock, variant_ids: Iterable[int]) -> None:
    """After moves on locked rows: the touched products' price/in_stock from their variants
    as they now stand; caches bumped once, after commit."""
    product_ids = sorted(
        {locked.variants[v].product_id for v in variant_ids if v in locked.variants}
    )
    if not product_ids:
        return
    siblings: dict[int, list[Variant]] = {pk: [] for pk in product_ids}
    for variant in locked.variants.values():
        if variant.product_id in siblings:
            siblings[variant.product_id].append(variant)
    listing_changed = False
    for product_id in product_ids:
        product = locked.products[product_id]
        summary = listing_summary(siblings[product_id])
        if all(getattr(product, k) == v for k, v in summary.items()):
            continue
        Product.objects.filter(pk=product_id).update(**summary)
        for name, value in summary.items():
            setattr(product, name, value)
        listing_changed = True
    slugs = [locked.products[pk].slug for pk in product_ids]

    def bump():
        if listing_changed:
            catalog_cache.bump_catalog()
        catalog_cache.bump_product_slugs(slugs)

    transaction.on_commit(bump)


def reserve_lines(lines, *, locked: LockedStock | None = None) -> None:
    """Hold the lines' units; OutOfStock (the catalog's) if a variant has too few."""
    moves = _quantities(lines)
    locked = locked or lock_stock(v for v, _ in moves)
    for variant_id, quantity in moves:
        _check_units(quantity)
        updated = Variant.objects.filter(
            pk=variant_id, is_active=True, on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity)
        if not updated:
            raise OutOfStock()
        if variant_id in locked.variants:
            locked.variants[variant_id].reserved += quantity
    _refresh_listings(locked, (v for v, _ in moves))


def release_lines(lines, *, locked: LockedStock | None = None) -> None:
    moves = _quantities(lines)
    locked = locked or lock_stock(v for v, _ in moves)
    for variant_id, quantity in moves:
        _check_units(quantity)
        updated = Variant.objects.filter(pk=variant_id, reserved__gte=quantity).update(
            reserved=F("reserved") - quantity
        )
        if not updated:
            raise StockNotReserved()
        if variant_id in locked.variants:
            locked.variants[variant_id].reserved -= quantity
    _refresh_listings(locked, (v for v, _ in moves))


def commit_lines(lines, *, locked: LockedStock | None = None) -> None:
    """Reserved units leave the warehouse (paid): both counts go down; sales are counted."""
    moves = _quantities(lines)
    locked = locked or lock_stock(v for v, _ in moves)
    for variant_id, quantity in moves:
        _check_units(quantity)
        updated = Variant.objects.filter(
            pk=variant_id, reserved__gte=quantity, on_hand__gte=quantity
        ).update(reserved=F("reserved") - quantity, on_hand=F("on_hand") - quantity)
        if not updated:
            raise StockNotReserved()
        if variant_id in locked.variants:
            variant = locked.variants[variant_id]
            variant.reserved -= quantity
            variant.on_hand -= quantity
    _refresh_listings(locked, (v for v, _ in moves))
    sold: dict[int, int] = {}
    for line in lines:
        if line.product_id is not None:
            sold[line.product_id] = sold.get(line.product_id, 0) + line.quantity
    _record_sales(sold)


def _record_sales(sold: dict[int, int]) -> None:
    """Best-selling sorts on `sold_count`: one UPDATE for every product of the order (the
    catalog's `product_record_sale`, without a statement and a savepoint per product)."""
    if not sold:
        return
    units = Case(
        *(When(pk=pk, then=Value(quantity)) for pk, quantity in sorted(sold.items())),
        default=Value(0),
        output_field=PositiveIntegerField(),
    )
    Product.objects.filter(pk__in=sorted(sold)).update(sold_count=F("sold_count") + units)


def restock_lines(lines, *, actor=None) -> None:
    """Committed units that never left the warehouse (a paid order cancelled) go back."""
    moves = _quantities(lines)
    variants = lock_stock_rows(v for v, _ in moves)
    for variant_id, quantity in moves:
        variant = variants.get(variant_id)
        if variant is not None:
            stock_set(variant_id=variant_id, on_hand=variant.on_hand + quantity, actor=actor)
