"""P4: another person's details serve one order and are erased after its retention period.

When a customer sends an order to someone else, that person's name, mobile and street
address live encrypted on the order. Once the order is closed (delivered, cancelled or
refunded) and ORDER_RECEIVER_RETENTION_DAYS have passed — time enough for returns and
disputes — they are blanked. Orders the customer received themselves keep their address
(it is the customer's own, kept with their account). Abandoned checkout drafts, which may
hold a receiver too, are checkout's to delete after the same period
(`checkout.services.checkout_drafts_erase`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.orders.models import Order, OrderStatus

# Everything that identifies the receiver or where they live; province and city stay.
ERASED_FIELDS = (
    "receiver_first_name",
    "receiver_last_name",
    "receiver_mobile",
    "street",
    "alley",
    "plaque",
    "unit",
    "postal_code",
)


def _closed_before(cutoff: dt.datetime) -> Q:
    return (
        Q(status=OrderStatus.DELIVERED, delivered_at__lt=cutoff)
        | Q(status=OrderStatus.CANCELLED, cancelled_at__lt=cutoff)
        | Q(status=OrderStatus.REFUNDED, refunded_at__lt=cutoff)
    )


def orders_erase_receivers(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Blank other people's details on closed orders past retention; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.ORDER_RECEIVER_RETENTION_DAYS)
    ids = list(
        Order.objects.filter(_closed_before(cutoff), receiver_is_self=False)
        .filter(receiver_erased_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.receiver_erased_at is not None:
                continue
            for field in ERASED_FIELDS:
                setattr(order, field, "")
            order.receiver_erased_at = now
            order.save(update_fields=[*ERASED_FIELDS, "receiver_erased_at"])
            audit_record(action="orders.receiver_erased", subject=order)
    return len(ids)
