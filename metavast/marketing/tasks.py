"""Celery tasks: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from metavast.marketing.services import campaigns_send_due


@shared_task(ignore_result=True)
def send_due_campaigns() -> int:
    return campaigns_send_due()["queued"]
