"""A 10-use code and 50 parallel checkouts, on PostgreSQL with real threads, each on its own
connection: exactly 10 orders carry the discount, the other 40 are refused as used up and
leave nothing behind."""

from __future__ import annotations

import pytest
from django.db import connection

from metavast.cart.models import Cart
from metavast.cart.services import cart_apply_discount_code, cart_get_or_create
from metavast.checkout.demo import seed_shipping
from metavast.core.testing import run_concurrently
from metavast.orders.models import Order
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    place,
)
from metavast.promotions.errors import DiscountUsedUp
from metavast.promotions.models import DiscountRedemption
from metavast.promotions.tests.factories import make_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_parallel_checkouts_with_a_ten_use_code_redeem_exactly_ten():
    assert connection.vendor == "postgresql"
    seed_shipping()
    code = make_code(code="TEN", percent=10, max_uses=10)
    variant = make_variant(price=5_000_000, on_hand=100)
    buyers = []
    for _ in range(50):
        buyer = make_customer()
        fill_cart(buyer, (variant, 1))
        cart_apply_discount_code(cart=cart_get_or_create(user=buyer), code="TEN")
        buyers.append((buyer, make_address(buyer)))

    results = run_concurrently([lambda b=b, a=a: place(b, address=a) for b, a in buyers])

    orders = [r for r, e in results if r is not None]
    failures = [e for r, e in results if e is not None]
    print(f"\n50 checkouts, a 10-use code: {len(orders)} orders, {len(failures)} refused")
    assert len(orders) == 10
    assert all(isinstance(e, DiscountUsedUp) for e in failures), {repr(e) for e in failures}
    assert len(failures) == 40
    code.refresh_from_db()
    assert code.used_count == 10
    assert DiscountRedemption.objects.filter(code=code).count() == 10
    assert Order.objects.count() == 10
    assert all(o.discount_code == "TEN" and o.discount > 0 for o in Order.objects.all())
    variant.refresh_from_db()
    assert variant.reserved == 10  # the refused 40 held no stock
    # The refused customers still have their carts (and the code, with its reason shown).
    refused_ids = {b.pk for (b, _), (r, _) in zip(buyers, results, strict=True) if r is None}
    assert (
        Cart.objects.filter(user_id__in=refused_ids, lines__isnull=False).distinct().count() == 40
    )
