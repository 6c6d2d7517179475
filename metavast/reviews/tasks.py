"""Background jobs of reviews: tasks only call services."""

from __future__ import annotations

from celery import shared_task

from metavast.reviews.services import held_evidence_purge


@shared_task(name="reviews.held_evidence_purge")
def held_evidence_purge_task() -> int:
    """Remove evidence whose hold a legal officer lifted on the generic hold screen."""
    return held_evidence_purge()
