"""Access history (issue 10, item 3): the looks at personal data, read from the audit trail.

Every staff member sees their own; holders of staff.view_all_access_history see everyone's.
A "look" is any audit action that records staff seeing personal data: the uniform
`staff.personal_data_viewed`, and the older actions that already recorded a look.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.core import admin_persian

LOOK_ACTIONS = frozenset(
    {
        "staff.personal_data_viewed",
        "orders.receiver_viewed",
        "accounts.users_listed_by_staff",
        "accounts.user_viewed_by_staff",
        "accounts.otp_devices_listed_by_staff",
        "accounts.otp_device_viewed_by_staff",
        "invoices.pdf_downloaded_by_staff",
        "invoices.exported",
        "notifications.view",
    }
)


def parse_jalali_date(text: str) -> datetime.date | None:
    """ "1405/09/12" (Persian or Latin digits, / or -) → a Gregorian date; None if invalid,
    also for a year no Jalali date has (a Gregorian «2026/12/01»): the admin's one parser."""
    return admin_persian.parse_jalali_date(text)


def access_history(
    *,
    viewer,
    person_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    """The looks `viewer` may see: their own, or anyone's (filtered) with the permission."""
    events = AuditEvent.objects.filter(
        Q(action__in=LOOK_ACTIONS) | Q(action__startswith="legal.")
    ).order_by("-created_at", "-pk")
    if viewer.has_perm("staff.view_all_access_history"):
        if person_id:
            events = events.filter(actor_id=person_id)
    else:
        events = events.filter(actor_id=viewer.pk)
    zone = timezone.get_current_timezone()
    if since:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
        events = events.filter(created_at__gte=start)
    if until:
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min)
        events = events.filter(created_at__lt=end.replace(tzinfo=zone))
    return events
