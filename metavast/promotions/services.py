"""Writing discount codes and their redemptions.

Staff create and change codes through `discount_code_save` (the admin calls it), audited in
the same transaction. An order redeems a code with `discount_redeem` inside `order_place`'s
transaction: a conditional UPDATE takes one use (`used_count < max_uses`), so of any number
of parallel checkouts exactly `max_uses` succeed, and a rolled-back order never took one.
The per-customer cap is counted under the customer's cart lock, which `order_place` holds,
so one customer's parallel checkouts run one after the other. `discount_release` gives the
use back when an order is cancelled before anything was paid.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.promotions.errors import DiscountAlreadyUsed, DiscountUsedUp
from metavast.promotions.models import DiscountCode, DiscountRedemption

AUDITED_FIELDS = (
    "code",
    "kind",
    "percent",
    "amount",
    "min_cart_total",
    "starts_at",
    "ends_at",
    "max_uses",
    "max_uses_per_customer",
    "is_active",
)


def _snapshot(code: DiscountCode, *, with_scope: bool = True) -> dict:
    data = {name: getattr(code, name) for name in AUDITED_FIELDS}
    data["starts_at"] = code.starts_at.isoformat() if code.starts_at else None
    data["ends_at"] = code.ends_at.isoformat() if code.ends_at else None
    if with_scope and code.pk:
        data["products"] = sorted(code.products.values_list("pk", flat=True))
        data["categories"] = sorted(code.categories.values_list("pk", flat=True))
    return data


@transaction.atomic
def discount_code_save(
    *, code: DiscountCode, actor, products=None, categories=None, before: dict | None = None
) -> DiscountCode:
    """Create or change a code (its scope too, when given), with an audit event.
    `before` is the snapshot taken before the form changed the instance."""
    is_new = code.pk is None
    code.full_clean(exclude=["categories", "products"])
    code.save()
    if products is not None:
        code.products.set(products)
    if categories is not None:
        code.categories.set(categories)
    audit_record(
        action="promotions.code_created" if is_new else "promotions.code_changed",
        actor=actor,
        subject=code,
        before=None if is_new else before,
        after=_snapshot(code),
    )
    return code


def discount_code_snapshot(code: DiscountCode) -> dict:
    return _snapshot(code)


def discount_redeem(*, code: DiscountCode, user, order_id: int, amount: int) -> DiscountRedemption:
    """Take one use of `code` for the order being placed. Must run in the order's transaction,
    under the customer's cart lock (see the module docstring)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("discount_redeem runs inside the order's transaction")
    live = DiscountRedemption.objects.filter(code=code, user=user, released_at__isnull=True)
    if live.count() >= code.max_uses_per_customer:
        raise DiscountAlreadyUsed()
    taken = DiscountCode.objects.filter(
        Q(max_uses__isnull=True) | Q(used_count__lt=F("max_uses")), pk=code.pk
    ).update(used_count=F("used_count") + 1)
    if not taken:
        raise DiscountUsedUp()
    return DiscountRedemption.objects.create(code=code, user=user, order_id=order_id, amount=amount)


def discount_release(*, order_id: int) -> DiscountRedemption | None:
    """The order was cancelled before it was paid: its use goes back to the code. Runs in
    the cancelling transaction; a second call finds nothing live and does nothing."""
    redemption = (
        DiscountRedemption.objects.select_for_update()
        .filter(order_id=order_id, released_at__isnull=True)
        .first()
    )
    if redemption is None:
        return None
    redemption.released_at = timezone.now()
    redemption.save(update_fields=["released_at"])
    DiscountCode.objects.filter(pk=redemption.code_id, used_count__gt=0).update(
        used_count=F("used_count") - 1
    )
    audit_record(
        action="promotions.redemption_released",
        subject=redemption.code,
        after={"order_id": order_id, "amount": redemption.amount},
    )
    return redemption
