"""The shipping and VAT rules each process keeps (shipping.py, issue 16): read once, and read
again whenever a committed change of a method, a rate or a VAT rate moves their version."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from metavast.checkout import shipping
from metavast.checkout.demo import seed_shipping
from metavast.checkout.models import ShippingMethod, ShippingRate, VatRate

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if it committed: its after-commit callbacks (the version bump) run."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    run(seed_shipping)
    return run


def _pishtaz() -> ShippingMethod:
    return ShippingMethod.objects.get(code="post-pishtaz")


def _quote_cost(method_id: int) -> int:
    return shipping.shipping_quote(
        method_id=method_id, province="tehran", city="تهران", weight_grams=500
    ).cost


def test_the_rules_are_read_once_then_kept(committed):
    method_id = _pishtaz().pk
    cost = _quote_cost(method_id)
    rate = shipping.vat_rate_basis_points(TODAY)

    with CaptureQueriesContext(connection) as queries:
        assert _quote_cost(method_id) == cost
        assert shipping.vat_rate_basis_points(TODAY) == rate
        assert shipping.shipping_method_with_rates(method_id).pk == method_id

    assert queries.captured_queries == []


def test_a_committed_rate_change_is_used_by_the_next_quote(committed):
    method_id = _pishtaz().pk
    before = _quote_cost(method_id)

    def dearer():
        for rate in ShippingRate.objects.filter(method_id=method_id):
            rate.cost += 70_000
            rate.save()

    committed(dearer)

    expected = shipping.shipping_quote(
        method_id=method_id,
        province="tehran",
        city="تهران",
        weight_grams=500,
        method=shipping._methods().get(pk=method_id),  # straight from the database
    ).cost
    assert _quote_cost(method_id) == expected != before


def test_a_new_vat_rate_and_a_deactivated_method_are_followed(committed):
    method_id = _pishtaz().pk
    shipping.vat_rate_basis_points(TODAY)  # kept

    committed(lambda: VatRate.objects.create(starts_on=TODAY, rate_basis_points=1200))
    method = _pishtaz()
    method.is_active = False
    committed(method.save)

    assert shipping.vat_rate_basis_points(TODAY) == 1200
    assert shipping.vat_rate_basis_points(TODAY - dt.timedelta(days=1)) != 1200
    assert shipping.shipping_method_with_rates(method_id) is None


def test_a_transaction_that_changed_the_rules_reads_its_own_change(committed):
    method_id = _pishtaz().pk
    _quote_cost(method_id)  # kept
    rate = ShippingRate.objects.filter(method_id=method_id, province="").first()

    with pytest.raises(RuntimeError), transaction.atomic():
        ShippingRate.objects.filter(method_id=method_id).exclude(pk=rate.pk).delete()
        rate.cost, rate.max_weight_grams = 1_000, 100_000
        rate.save()  # not committed: the kept copy is not used in here
        assert _quote_cost(method_id) == 1_000
        raise RuntimeError("staff's save failed after all")

    # Rolled back: nothing moved, the copy still answers and is still right.
    with CaptureQueriesContext(connection) as queries:
        assert _quote_cost(method_id) != 1_000
    assert queries.captured_queries == []


def test_without_a_version_the_rules_come_from_the_database(committed, monkeypatch):
    method_id = _pishtaz().pk
    cost = _quote_cost(method_id)
    monkeypatch.setattr(shipping, "_rules_version", lambda: None)  # the cache is down

    with CaptureQueriesContext(connection) as queries:
        assert _quote_cost(method_id) == cost

    assert len(queries.captured_queries) == 2  # the method and its rates
