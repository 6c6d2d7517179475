"""Accounts background work (housekeeping, reset delivery); tasks only call services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from metavast.accounts.services.codes import codes_purge
from metavast.accounts.services.reset import password_reset_deliver as reset_deliver
from metavast.accounts.services.sessions import sessions_purge
from metavast.accounts.services.signin_attempts import signin_attempts_purge


@shared_task
def purge_expired_sessions_and_codes() -> dict[str, int]:
    """Session rows keep an IP and a device: gone after IP_LOG_RETENTION_DAYS once ended."""
    return {
        "sessions": sessions_purge(older_than_days=settings.IP_LOG_RETENTION_DAYS),
        "codes": codes_purge(),
        # Axes rows (IP, user agent): past the lock-out cool-off, and never past retention.
        **{
            f"axes_{name}": count
            for name, count in signin_attempts_purge(
                older_than_days=settings.IP_LOG_RETENTION_DAYS
            ).items()
        },
    }


@shared_task(ignore_result=True)
def password_reset_deliver(*, kind: str, sealed_address: str, base_url: str) -> bool:
    """The account lookup and the mail or SMS of a reset request, off the request."""
    return reset_deliver(kind=kind, sealed_address=sealed_address, base_url=base_url)
