import pytest

from metavast.audit.models import AuditEvent
from metavast.catalog import cache as catalog_cache
from metavast.catalog.errors import (
    InvalidQuantity,
    OutOfStock,
    StockBelowReserved,
    StockNotReserved,
    VariantNotFound,
)
from metavast.catalog.models import Product, Variant
from metavast.catalog.services import (
    stock_commit,
    stock_release,
    stock_reserve,
    stock_set,
)
from metavast.catalog.tests import factories
from metavast.core.testing import run_concurrently


def _variant(on_hand=3) -> Variant:
    return factories.product("کتری برقی", on_hand=on_hand).variants.get()


def counts(variant) -> tuple[int, int]:
    variant.refresh_from_db()
    return variant.on_hand, variant.reserved


@pytest.mark.django_db
def test_reserve_release_commit():
    variant = _variant(on_hand=3)

    stock_reserve(variant_id=variant.pk, quantity=2)
    assert counts(variant) == (3, 2)
    stock_release(variant_id=variant.pk, quantity=1)
    assert counts(variant) == (3, 1)
    stock_commit(variant_id=variant.pk, quantity=1)
    assert counts(variant) == (2, 0)


@pytest.mark.django_db
def test_reserve_more_than_available_changes_nothing():
    variant = _variant(on_hand=3)
    stock_reserve(variant_id=variant.pk, quantity=2)

    with pytest.raises(OutOfStock):
        stock_reserve(variant_id=variant.pk, quantity=2)
    assert counts(variant) == (3, 2)


@pytest.mark.django_db
def test_release_or_commit_more_than_reserved_is_refused():
    variant = _variant(on_hand=3)
    stock_reserve(variant_id=variant.pk, quantity=1)

    with pytest.raises(StockNotReserved):
        stock_release(variant_id=variant.pk, quantity=2)
    with pytest.raises(StockNotReserved):
        stock_commit(variant_id=variant.pk, quantity=2)
    assert counts(variant) == (3, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, True, 1.5, 10**9])
def test_bad_quantities(quantity):
    variant = _variant()
    with pytest.raises(InvalidQuantity):
        stock_reserve(variant_id=variant.pk, quantity=quantity)
    assert counts(variant) == (3, 0)


@pytest.mark.django_db
def test_unknown_variant():
    with pytest.raises(VariantNotFound):
        stock_reserve(variant_id=999_999, quantity=1)


@pytest.mark.django_db
def test_last_unit_reserved_makes_product_sold_out_and_bumps_listing_cache(
    django_capture_on_commit_callbacks,
):
    variant = _variant(on_hand=1)
    before = catalog_cache.catalog_version()

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(variant_id=variant.pk, quantity=1)

    assert Product.objects.get(pk=variant.product_id).in_stock is False
    assert catalog_cache.catalog_version() > before


@pytest.mark.django_db
def test_stock_move_that_keeps_product_buyable_bumps_only_product_page(
    django_capture_on_commit_callbacks,
):
    variant = _variant(on_hand=5)
    slug = variant.product.slug
    catalog_before, product_before = catalog_cache.versions(slug)

    with django_capture_on_commit_callbacks(execute=True):
        stock_reserve(variant_id=variant.pk, quantity=1)

    catalog_after, product_after = catalog_cache.versions(slug)
    assert catalog_after == catalog_before
    assert product_after > product_before


@pytest.mark.django_db
def test_staff_stock_set_is_audited_and_never_below_reserved(staff_user):
    variant = _variant(on_hand=5)
    stock_reserve(variant_id=variant.pk, quantity=3)

    with pytest.raises(StockBelowReserved):
        stock_set(variant_id=variant.pk, on_hand=2, actor=staff_user)
    assert counts(variant) == (5, 3)

    stock_set(variant_id=variant.pk, on_hand=9, actor=staff_user)
    assert counts(variant) == (9, 3)
    event = AuditEvent.objects.get(action="catalog.stock_set")
    assert (event.before, event.after) == ({"on_hand": 5}, {"on_hand": 9, "reserved": 3})
    assert event.actor_id == staff_user.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_oversell():
    """Twenty checkouts race for five units: exactly five win, none goes below zero."""
    variant = _variant(on_hand=5)

    def buy() -> str:
        try:
            stock_reserve(variant_id=variant.pk, quantity=1)
        except OutOfStock:
            return "out"
        return "ok"

    results = run_concurrently([buy] * 20)

    assert [e for _, e in results if e] == []
    outcomes = [outcome for outcome, _ in results]
    assert sorted(outcomes) == ["ok"] * 5 + ["out"] * 15
    assert counts(variant) == (5, 5)
    assert Product.objects.get(pk=variant.product_id).in_stock is False
