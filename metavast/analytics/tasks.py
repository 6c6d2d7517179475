from __future__ import annotations

import time

from celery import shared_task

from metavast.analytics.services import (
    FOLD_BATCH,
    analytics_fold,
    paid_orders_refresh,
    visitor_salts_destroy,
)

# A busy shop queues more than one batch a minute: keep folding, but hand the worker back
# before the next run is due.
FOLD_SECONDS = 45


@shared_task
def fold_events() -> int:
    """Every minute: queued events into the tables, and today's and yesterday's sales."""
    started = time.monotonic()
    folded = 0
    while True:
        n = analytics_fold()
        folded += n
        if n < FOLD_BATCH or time.monotonic() - started > FOLD_SECONDS:
            break
    paid_orders_refresh(days=2)
    return folded


@shared_task
def daily_upkeep() -> None:
    """Hourly: destroy past days' salts and hashes; recompute sales of the last 40 days
    (a cancellation or refund after the two-day window of fold_events)."""
    visitor_salts_destroy()
    paid_orders_refresh(days=40)
