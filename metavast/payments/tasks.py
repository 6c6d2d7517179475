"""Celery tasks: thin wrappers over the services."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from metavast.payments.services import payments_reconcile


@shared_task(ignore_result=True)
def reconcile_payments(older_than_seconds: int | None = None) -> dict:
    """Periodic (CELERY_BEAT_SCHEDULE): settle pending payments the callback did not.

    Beat passes nothing (PAYMENT_RECONCILE_AFTER_SECONDS); an operator who knows the gateway
    was down can ask for every pending attempt now: `reconcile_payments.delay(0)`.
    """
    return asdict(payments_reconcile(older_than_seconds=older_than_seconds))
