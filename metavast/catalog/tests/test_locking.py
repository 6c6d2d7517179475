"""Lock order: catalog writes lock products before variants, as orders do (PostgreSQL only)."""

import contextlib
import random

import pytest
import tablib
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from metavast.audit.models import AuditEvent
from metavast.catalog.errors import OutOfStock, StockBelowReserved
from metavast.catalog.models import Product, Variant
from metavast.catalog.resources import VariantResource
from metavast.catalog.services import (
    products_bulk_price_change,
    products_bulk_stock_set,
    stock_commit,
    stock_release,
    stock_reserve,
    stock_set,
    variant_set_price,
)
from metavast.catalog.services.locks import lock_variants
from metavast.catalog.services.products import listing_summary
from metavast.catalog.tests import factories
from metavast.core.testing import run_concurrently

ROUNDS = 12


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        lambda v, actor: stock_set(variant_id=v.pk, on_hand=9, actor=actor),
        lambda v, actor: stock_reserve(variant_id=v.pk, quantity=1),
        lambda v, actor: variant_set_price(variant=v, price=2_000_000, actor=actor),
        lambda v, actor: products_bulk_stock_set(
            product_ids=[v.product_id], on_hand=7, actor=actor
        ),
        lambda v, actor: products_bulk_price_change(
            product_ids=[v.product_id], percent=10, actor=actor
        ),
    ],
    ids=["stock_set", "stock_reserve", "variant_set_price", "bulk_stock", "bulk_price"],
)
def test_each_write_locks_the_product_before_any_variant(write, staff_user):
    variant = factories.product("کتری", variants=2, on_hand=5).variants.first()

    with CaptureQueriesContext(connection) as captured:
        write(variant, staff_user)

    # The first statement that locks a variant (FOR UPDATE, UPDATE) comes after the first
    # that locks the product; later product locks only take again what the transaction holds.
    sql = [q["sql"] for q in captured]
    first_variant_lock = next(
        i
        for i, s in enumerate(sql)
        if s.startswith('UPDATE "catalog_variant"') or 'FOR UPDATE OF "catalog_variant"' in s
    )
    first_product_lock = next(
        i for i, s in enumerate(sql) if 'FOR UPDATE OF "catalog_product"' in s
    )
    assert first_product_lock < first_variant_lock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_stock_edits_race_orders_without_deadlock_or_oversell(staff_user):
    """Orders (products then variants locked by id, then reserve and pay) race staff counting
    stock, repricing and bulk-editing the same products. Before the fix a staff `stock_set`
    held the variant and waited for its product while an order held the product and waited
    for the variant: PostgreSQL killed one of them ("deadlock detected")."""
    phone = factories.product("گوشی", variants=2, on_hand=6)
    case = factories.product("قاب گوشی", variants=1, on_hand=6)
    v1, v2 = phone.variants.order_by("pk")
    (v3,) = case.variants.all()
    ids = [v1.pk, v2.pk, v3.pk]
    product_ids = [phone.pk, case.pk]

    def order(seed: int):
        """A checkout: lock like orders do, reserve one of each, then pay or abandon."""
        rng = random.Random(seed)
        moves = {"reserve": dict.fromkeys(ids, 0), "release": dict.fromkeys(ids, 0)}
        moves["commit"] = dict.fromkeys(ids, 0)
        for _ in range(ROUNDS):
            held = []
            with transaction.atomic():
                lock_variants(ids)
                for variant_id in ids:
                    try:
                        stock_reserve(variant_id=variant_id, quantity=1)
                    except OutOfStock:
                        continue
                    held.append(variant_id)
                    moves["reserve"][variant_id] += 1
            with transaction.atomic():
                lock_variants(held)
                for variant_id in held:
                    if rng.random() < 0.5:
                        stock_commit(variant_id=variant_id, quantity=1)
                        moves["commit"][variant_id] += 1
                    else:
                        stock_release(variant_id=variant_id, quantity=1)
                        moves["release"][variant_id] += 1
        return moves

    def shopper():
        """Reserve and release without locking first (the catalog services alone)."""
        moves = {"reserve": dict.fromkeys(ids, 0), "release": dict.fromkeys(ids, 0)}
        for _ in range(ROUNDS):
            try:
                stock_reserve(variant_id=v2.pk, quantity=1)
            except OutOfStock:
                continue
            moves["reserve"][v2.pk] += 1
            stock_release(variant_id=v2.pk, quantity=1)
            moves["release"][v2.pk] += 1
        return moves

    def staff(seed: int):
        rng = random.Random(seed)
        stock_sets = 0
        for round_ in range(ROUNDS):
            for variant_id in (v1.pk, v3.pk, v2.pk):
                try:
                    stock_set(variant_id=variant_id, on_hand=rng.randint(2, 8), actor=staff_user)
                    stock_sets += 1
                except StockBelowReserved:
                    pass
            if round_ % 3 == 0:
                with contextlib.suppress(StockBelowReserved):
                    stock_sets += products_bulk_stock_set(
                        product_ids=product_ids, on_hand=6, actor=staff_user
                    )
                products_bulk_price_change(
                    product_ids=product_ids[::-1], percent=0, actor=staff_user
                )
            variant_set_price(
                variant=Variant.objects.get(pk=v1.pk),
                price=1_000_000 + 10 * round_,
                actor=staff_user,
            )
        return stock_sets

    workers = [
        *(lambda s=s: order(s) for s in range(4)),
        shopper,
        *(lambda s=s: staff(s) for s in (100, 200)),
    ]
    results = run_concurrently(workers)

    assert [repr(error) for _, error in results if error] == []  # no deadlock, nothing else
    expected_reserved = dict.fromkeys(ids, 0)
    for moves, _ in results[:5]:
        for variant_id in ids:
            expected_reserved[variant_id] += moves["reserve"][variant_id]
            expected_reserved[variant_id] -= moves["release"][variant_id]
            expected_reserved[variant_id] -= moves.get("commit", {}).get(variant_id, 0)
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=ids)}
    assert {pk: v.reserved for pk, v in variants.items()} == expected_reserved
    assert all(v.on_hand >= v.reserved for v in variants.values())  # never oversold
    stock_sets = sum(result for result, _ in results[5:])
    assert AuditEvent.objects.filter(action="catalog.stock_set").count() == stock_sets
    # the listing columns agree with the variants they summarise
    for product in Product.objects.filter(pk__in=product_ids):
        summary = listing_summary(list(Variant.objects.filter(product=product)))
        assert {k: getattr(product, k) for k in summary} == summary


@pytest.mark.postgres
@pytest.mark.django_db
def test_csv_import_locks_every_product_it_names_before_any_row(staff_user):
    """An import is one transaction over rows in any order: it locks all its products first,
    by id, rather than product by product in file order."""
    first = factories.product("کتری", on_hand=1)
    second = factories.product("قوری", on_hand=1)
    header = (
        "sku,product_slug,product_title,category_slug,brand,options,price,compare_at_price,on_hand"
    )
    rows = [  # the later product first
        f"{second.variants.get().sku},{second.slug},قوری,,,,2000000,,5",
        f"{first.variants.get().sku},{first.slug},کتری,,,,3000000,,7",
    ]
    dataset = tablib.Dataset().load("\n".join([header, *rows]), format="csv")

    with CaptureQueriesContext(connection) as captured:
        result = VariantResource().import_data(dataset, dry_run=False, user=staff_user)

    assert not result.has_errors(), [r.errors for r in result.rows if r.errors]
    sql = [q["sql"] for q in captured]
    first_lock = next(i for i, s in enumerate(sql) if 'FOR UPDATE OF "catalog_product"' in s)
    first_variant_write = next(
        i for i, s in enumerate(sql) if s.startswith('UPDATE "catalog_variant"')
    )
    assert first_lock < first_variant_write
    assert f"IN ({first.pk}, {second.pk})" in sql[first_lock]
    assert list(Variant.objects.order_by("product_id").values_list("on_hand", flat=True)) == [7, 5]
