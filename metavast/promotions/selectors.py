"""Whether a discount code applies to a cart, and how much it takes off each line.

`discount_evaluate` is a read: the cart shows its answer, checkout shows it again, and
placing an order asks once more under the order's locks before `discount_redeem` writes.
The checks run in the order the shopper can act on them, each with its own error: unknown,
not started / expired, not for these items, below the minimum, used up, already used by you.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone

from metavast.core.text import to_ascii_digits
from metavast.core.vat import share_out
from metavast.promotions.errors import (
    DiscountAlreadyUsed,
    DiscountBelowMinimum,
    DiscountExpired,
    DiscountNotApplicable,
    DiscountNotStarted,
    DiscountUnknown,
    DiscountUsedUp,
)
from metavast.promotions.models import DiscountCode, DiscountKind, DiscountRedemption

CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{2,32}$")


def normalize_code(raw) -> str:
    """What the shopper typed as a code: trimmed, upper-case, Persian digits read as digits."""
    return to_ascii_digits(str(raw or "")).strip().upper().replace(" ", "")


@dataclass(frozen=True)
class CartItem:
    """One cart line as the discount sees it: VAT-inclusive line amount."""

    product_id: int
    category_path: str
    gross: int


@dataclass(frozen=True)
class Evaluation:
    code: DiscountCode
    amount: int  # Rials off, VAT included
    shares: list[int] = field(default_factory=list)  # per item, in the items' order


def discount_evaluate(
    *, code: str, items: list[CartItem], user_id: int | None = None, now=None
) -> Evaluation:
    """The discount `code` gives on `items`, or the DiscountError saying why not. `user_id`
    None (a guest) skips the per-customer cap: checkout, signed in, checks it."""
    text = normalize_code(code)
    found = (
        DiscountCode.objects.filter(code=text, is_active=True).first()
        if CODE_PATTERN.match(text)
        else None
    )
    if found is None:
        raise DiscountUnknown()
    now = now or timezone.now()
    if now < found.starts_at:
        raise DiscountNotStarted()
    if now >= found.ends_at:
        raise DiscountExpired()
    eligible = _eligible_flags(found, items)
    base = sum(item.gross for item, ok in zip(items, eligible, strict=True) if ok)
    if base <= 0:
        raise DiscountNotApplicable()
    if sum(item.gross for item in items) < found.min_cart_total:
        raise DiscountBelowMinimum.for_minimum(found.min_cart_total)
    if found.max_uses is not None and found.used_count >= found.max_uses:
        raise DiscountUsedUp()
    if user_id is not None:
        used = DiscountRedemption.objects.filter(
            code=found, user_id=user_id, released_at__isnull=True
        ).count()
        if used >= found.max_uses_per_customer:
            raise DiscountAlreadyUsed()
    if found.kind == DiscountKind.PERCENT:
        amount = base * found.percent // 100  # rounded down: never more than promised
    else:
        amount = min(found.amount, base)
    weights = [item.gross if ok else 0 for item, ok in zip(items, eligible, strict=True)]
    return Evaluation(code=found, amount=amount, shares=share_out(amount, weights))


def _eligible_flags(code: DiscountCode, items: list[CartItem]) -> list[bool]:
    product_ids = set(code.products.values_list("pk", flat=True))
    category_paths = list(code.categories.values_list("path", flat=True))
    if not product_ids and not category_paths:
        return [True] * len(items)
    return [
        item.product_id in product_ids
        or any(item.category_path.startswith(path) for path in category_paths if path)
        for item in items
    ]


def redemption_for_order(order_id: int) -> DiscountRedemption | None:
    return DiscountRedemption.objects.filter(order_id=order_id).select_related("code").first()
