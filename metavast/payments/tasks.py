"""Celery tasks: thin wrappers over the services."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from metavast.payments.services import payments_reconcile


@shared_task(ignore_result=True)
def reconcile_payments() -> dict:
    """Periodic (CELERY_BEAT_SCHEDULE): settle pending payments the callback did not."""
    return asdict(payments_reconcile())
