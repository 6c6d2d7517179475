"""Periodic housekeeping of the accounts app; tasks only call services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from metavast.accounts.services.codes import codes_purge
from metavast.accounts.services.sessions import sessions_purge


@shared_task
def purge_expired_sessions_and_codes() -> dict[str, int]:
    """Session rows keep an IP and a device: gone after IP_LOG_RETENTION_DAYS once ended."""
    return {
        "sessions": sessions_purge(older_than_days=settings.IP_LOG_RETENTION_DAYS),
        "codes": codes_purge(),
    }
