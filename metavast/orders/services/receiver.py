"""Staff looking at an order's receiver (P4, P8): every look is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from metavast.accounts.services.staff import staff_personal_data_viewed
from metavast.orders.models import Order

# What the packing slip shows: named in the audit row, never the values.
RECEIVER_FIELDS = ("receiver_name", "receiver_mobile", "address", "postal_code")


@dataclass(frozen=True)
class ReceiverDetails:
    name: str
    mobile: str
    address: str
    postal_code: str
    is_self: bool


@transaction.atomic
def order_receiver_reveal(*, order: Order, actor, purpose: str = "packing_slip") -> ReceiverDetails:
    staff_personal_data_viewed(
        action="orders.receiver_viewed",
        actor=actor,
        subject=order,
        fields=RECEIVER_FIELDS,
        purpose=purpose,
    )
    return ReceiverDetails(
        name=order.receiver_name,
        mobile=order.receiver_mobile,
        address=order.address_line(),
        postal_code=order.postal_code,
        is_self=order.receiver_is_self,
    )


def mask(value: str, keep: int = 2) -> str:
    """For lists: enough to tell rows apart, not enough to use."""
    value = value or ""
    if len(value) <= keep:
        return "•" * len(value)
    return value[:keep] + "•" * min(len(value) - keep, 8)
