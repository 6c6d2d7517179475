"""Retention of django-axes' rows, which carry an IP address and a user agent.

Axes' access log (one row per sign-in) and failure log are switched off in settings, so
the only rows axes still writes are `AccessAttempt`s: one per (account digest, IP, user
agent) with failed passwords, kept while they can still count towards a lock-out. Once
older than the cool-off they no longer count (axes itself only looks at attempts newer
than that), so they are deleted; and nothing of axes outlives IP_LOG_RETENTION_DAYS, even
with a cool-off set longer than that, nor do log rows written before the log was off.
"""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone


def signin_attempts_purge(*, older_than_days: int) -> dict[str, int]:
    """Delete axes attempts past the cool-off or the IP retention, and old log rows."""
    now = timezone.now()
    retention_cutoff = now - dt.timedelta(days=older_than_days)
    attempts_cutoff = retention_cutoff
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts_cutoff = max(attempts_cutoff, now - cool_off)
    with transaction.atomic():
        attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=attempts_cutoff).delete()
        logs, _ = AccessLog.objects.filter(attempt_time__lt=retention_cutoff).delete()
        failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=retention_cutoff).delete()
    return {"attempts": attempts, "access_logs": logs + failures}
