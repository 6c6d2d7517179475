from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from metavast.promotions.models import DiscountCode

_n = itertools.count(1)


def make_code(
    *,
    code: str | None = None,
    percent: int | None = None,
    amount: int | None = None,
    min_cart_total: int = 0,
    max_uses: int | None = None,
    max_uses_per_customer: int = 1,
    starts_at=None,
    ends_at=None,
    products=(),
    categories=(),
) -> DiscountCode:
    now = timezone.now()
    kind = "fixed" if amount is not None else "percent"
    created = DiscountCode.objects.create(
        code=code or f"CODE{next(_n)}",
        kind=kind,
        percent=(percent or 10) if kind == "percent" else None,
        amount=amount,
        min_cart_total=min_cart_total,
        max_uses=max_uses,
        max_uses_per_customer=max_uses_per_customer,
        starts_at=starts_at or now - timedelta(days=1),
        ends_at=ends_at or now + timedelta(days=30),
    )
    if products:
        created.products.set(products)
    if categories:
        created.categories.set(categories)
    return created
