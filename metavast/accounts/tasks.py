"""Accounts background work (reset delivery); tasks only call services.

Sessions, one-time codes and axes attempts are swept by the retention engine
(metavast/privacy/retention.py: "user_sessions", "one_time_codes", "axes_*").
"""

from __future__ import annotations

from celery import shared_task

from metavast.accounts.services.reset import password_reset_deliver as reset_deliver


@shared_task(ignore_result=True)
def password_reset_deliver(*, kind: str, sealed_address: str, base_url: str) -> bool:
    """The account lookup and the mail or SMS of a reset request, off the request."""
    return reset_deliver(kind=kind, sealed_address=sealed_address, base_url=base_url)
