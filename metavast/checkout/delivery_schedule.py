"""Courier days open by themselves: each method's daily hours (RecurringWindow) become
bookable DeliveryWindows for today and the coming days (DELIVERY_WINDOW_DAYS).

`delivery_windows_open` runs as a periodic job (CELERY_BEAT_SCHEDULE; the embedded default
runs the same schedule in its own process) and right after staff save a method's daily
hours. It only ever adds windows: one already opened for that day and start, whether staff
changed its capacity or closed it, is left as it is (the unique start per method and day
makes a second run, or two runs at once, add nothing).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from metavast.checkout.delivery import DELIVERY_WINDOW_DAYS
from metavast.checkout.models import DeliveryWindow, RecurringWindow

FRIDAY = 4  # date.weekday()


@transaction.atomic
def delivery_windows_open(*, now=None, days: int = DELIVERY_WINDOW_DAYS) -> int:
    """Opens the missing windows of every active courier method's daily hours; returns how
    many were added. Hours that have already begun today are not opened for today."""
    now = timezone.localtime(now or timezone.now())
    hours = list(
        RecurringWindow.objects.filter(
            is_active=True, method__is_active=True, method__needs_delivery_window=True
        ).order_by("method_id", "starts_at")
    )
    if not hours:
        return 0
    today = now.date()
    dates = [today + dt.timedelta(days=n) for n in range(days)]
    have = set(
        DeliveryWindow.objects.filter(
            method_id__in={h.method_id for h in hours}, date__in=dates
        ).values_list("method_id", "date", "starts_at")
    )
    wanted = [
        DeliveryWindow(
            method_id=h.method_id,
            date=day,
            starts_at=h.starts_at,
            ends_at=h.ends_at,
            capacity=h.capacity,
        )
        for day in dates
        for h in hours
        if (h.on_fridays or day.weekday() != FRIDAY)
        and not (day == today and h.starts_at <= now.time())
        and (h.method_id, day, h.starts_at) not in have
    ]
    # ignore_conflicts: a run in another process may have opened the same window meanwhile.
    DeliveryWindow.objects.bulk_create(wanted, ignore_conflicts=True)
    return len(wanted)
