"""Stock moves for an order's lines, always under locks taken in one fixed order.

Every order path (placing, paying, cancelling, expiring) locks rows in the same order:
the order row, then the products of its variants by id, then the variants by id. The
catalog's stock functions lock a variant (their conditional UPDATE) and then its product
(refreshing its listing columns); taking the products first here means two orders whose
lines interleave across products can never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable

from metavast.catalog.models import Product, Variant
from metavast.catalog.services.products import product_record_sale
from metavast.catalog.services.stock import (
    stock_commit,
    stock_release,
    stock_reserve,
    stock_set,
)


def lock_stock_rows(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock the variants' products, then the variants, both by id; return the variants."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    # One round trip: the products are found through a subquery on their variants and
    # locked in id order (PostgreSQL sorts before it locks); the variants are not locked yet.
    list(
        Product.objects.filter(pk__in=Variant.objects.filter(pk__in=ids).values("product_id"))
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    variants = (
        Variant.objects.filter(pk__in=ids)
        .select_related("product")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    return {v.pk: v for v in variants}


def _quantities(lines) -> list[tuple[int, int]]:
    """(variant id, units) per variant, by id; lines whose variant is gone are skipped."""
    totals: dict[int, int] = {}
    for line in lines:
        if line.variant_id is not None:
            totals[line.variant_id] = totals.get(line.variant_id, 0) + line.quantity
    return sorted(totals.items())


def reserve_lines(lines) -> None:
    for variant_id, quantity in _quantities(lines):
        stock_reserve(variant_id=variant_id, quantity=quantity)


def release_lines(lines) -> None:
    moves = _quantities(lines)
    lock_stock_rows(v for v, _ in moves)
    for variant_id, quantity in moves:
        stock_release(variant_id=variant_id, quantity=quantity)


def commit_lines(lines) -> None:
    moves = _quantities(lines)
    lock_stock_rows(v for v, _ in moves)
    for variant_id, quantity in moves:
        stock_commit(variant_id=variant_id, quantity=quantity)
    sold: dict[int, int] = {}
    for line in lines:
        if line.product_id is not None:
            sold[line.product_id] = sold.get(line.product_id, 0) + line.quantity
    for product_id, quantity in sorted(sold.items()):
        product_record_sale(product_id=product_id, quantity=quantity)


def restock_lines(lines, *, actor=None) -> None:
    """Committed units that never left the warehouse (a paid order cancelled) go back."""
    moves = _quantities(lines)
    variants = lock_stock_rows(v for v, _ in moves)
    for variant_id, quantity in moves:
        variant = variants.get(variant_id)
        if variant is not None:
            stock_set(variant_id=variant_id, on_hand=variant.on_hand + quantity, actor=actor)
