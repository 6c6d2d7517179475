"""Courier delivery windows: staff offer a day and time window with a capacity, the customer
picks one at the shipping step, and placing the order takes a place in it.

Taking a place is one conditional UPDATE (`booked = booked + 1 WHERE booked < capacity`),
inside the placing transaction and before the order is written: of two buyers for the last
place, the database lets one UPDATE through and the other matches no row and is refused
with a Persian message, and a refused or failed placement rolls the place back with
everything else. A CHECK constraint (booked <= capacity) backs this up. The window is
checked when chosen and again when taken (it may have filled or started meanwhile).

When a booked order is cancelled, its place goes back to the window: checkout registers
`delivery_status_followed` with orders' status follow-ups at start-up (orders sits below
checkout and does not import it).

The choice never touches the price: shipping costs and invoices do not depend on it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.checkout.errors import (
    DeliveryWindowFull,
    DeliveryWindowRequired,
    DeliveryWindowUnavailable,
)
from metavast.checkout.models import DeliveryBooking, DeliveryWindow, ShippingMethod

# How far ahead customers may book: today and the next six days.
DELIVERY_WINDOW_DAYS = 7


def bookable_windows(*, method: ShippingMethod, now=None) -> list[DeliveryWindow]:
    if not method.needs_delivery_window:
        return []
    return list(
        DeliveryWindow.objects.bookable(method_id=method.pk, now=now, days=DELIVERY_WINDOW_DAYS)
    )


def delivery_window_check(
    *, method: ShippingMethod, window_id: int | None, now=None, with_room: bool = True
):
    """The window the customer chose for `method`, if it is still bookable; None when the
    method takes no window. Raises DeliveryWindowRequired / DeliveryWindowUnavailable, or
    DeliveryWindowFull when the window is still offered but has no room left."""
    if not method.needs_delivery_window:
        return None
    if window_id is None:
        raise DeliveryWindowRequired()
    window = (
        DeliveryWindow.objects.bookable(
            method_id=method.pk, now=now, days=DELIVERY_WINDOW_DAYS, with_room=False
        )
        .filter(pk=window_id)
        .first()
    )
    if window is None:
        raise DeliveryWindowUnavailable()
    if with_room and window.room == 0:
        raise DeliveryWindowFull()
    return window


def delivery_window_take(*, method: ShippingMethod, window_id: int | None, now=None):
    """Take one place in the chosen window (call inside the placing transaction). Returns the
    window, or None when the method takes none."""
    # Room is the UPDATE's to decide (it is the one that cannot race).
    window = delivery_window_check(method=method, window_id=window_id, now=now, with_room=False)
    if window is None:
        return None
    taken = DeliveryWindow.objects.with_room().filter(pk=window.pk).update(booked=F("booked") + 1)
    if not taken:
        raise DeliveryWindowFull()
    return window


def delivery_booking_create(*, order, window: DeliveryWindow) -> DeliveryBooking:
    """Book the place just taken for `order`. If the order was already booked (the same
    checkout attempt placed twice at once, so `order_place` returned the first order), the
    place this attempt took goes back and the first booking stands."""
    existing = DeliveryBooking.objects.filter(order=order).first()
    if existing is not None:
        DeliveryWindow.objects.filter(pk=window.pk, booked__gt=0).update(booked=F("booked") - 1)
        return existing
    return DeliveryBooking.objects.create(
        order=order,
        window=window,
        date=window.date,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
    )


@transaction.atomic
def delivery_booking_release(*, order_id: int) -> DeliveryBooking | None:
    """Give a cancelled order's place back to its window (once)."""
    booking = (
        DeliveryBooking.objects.select_for_update()
        .filter(order_id=order_id, released_at__isnull=True)
        .first()
    )
    if booking is None:
        return None
    DeliveryWindow.objects.filter(pk=booking.window_id, booked__gt=0).update(booked=F("booked") - 1)
    booking.released_at = timezone.now()
    booking.save(update_fields=["released_at"])
    return booking


def delivery_status_followed(*, order_id: int, status: str) -> None:
    """Orders' status follow-up (registered in apps.py): a cancelled order frees its place."""
    if status == "cancelled":
        delivery_booking_release(order_id=order_id)


@transaction.atomic
def delivery_window_save(*, window: DeliveryWindow, actor, is_new: bool) -> DeliveryWindow:
    """Staff add or edit a window (the admin). Capacity may not drop below what is booked."""
    if window.pk is not None:
        booked = DeliveryWindow.objects.select_for_update().get(pk=window.pk).booked
        window.booked = booked
    window.full_clean()
    window.save()
    audit_record(
        action="checkout.delivery_window_saved",
        actor=actor,
        subject=window,
        after={
            "new": is_new,
            "method": window.method_id,
            "date": window.date.isoformat(),
            "starts_at": window.starts_at.isoformat(),
            "ends_at": window.ends_at.isoformat(),
            "capacity": window.capacity,
            "is_active": window.is_active,
        },
    )
    return window
