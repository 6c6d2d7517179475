"""/metrics: the node's request figures plus the shop's state, read at scrape time.

The collector lives here, above every app, because it counts orders, payments and the outbox
(metavast.core may not import them); the request histogram and the helpers are in
metavast/core/metrics.py, whose docstring says what is measured and who may scrape.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily

from metavast.core.metrics import (
    allowed,
    cache_hit_ratio,
    celery_queue_length,
    count_by_status,
    registry,
)

log = logging.getLogger(__name__)


class ShopCollector:
    """Read at every scrape; each part fails alone (a missing figure, not a failed scrape)."""

    def collect(self):
        from metavast.notifications.models import OutboxMessage, Status
        from metavast.orders.models import Order
        from metavast.payments.models import Payment

        for name, model, doc in (
            ("metavast_orders", Order, "Orders by status."),
            ("metavast_payments", Payment, "Payments by status."),
        ):
            family = GaugeMetricFamily(name, doc, labels=["status"])
            try:
                for status, count in sorted(count_by_status(model).items()):
                    family.add_metric([status], count)
            except Exception as exc:
                log.warning("metrics: %s unavailable", name, extra={"error": type(exc).__name__})
            yield family

        outbox = GaugeMetricFamily(
            "metavast_outbox_depth", "Outbox messages not yet sent (pending or sending)."
        )
        try:
            depth = (
                OutboxMessage.objects.using("default")
                .filter(status__in=[Status.PENDING, Status.SENDING])
                .count()
            )
            outbox.add_metric([], depth)
        except Exception as exc:
            log.warning("metrics: outbox unavailable", extra={"error": type(exc).__name__})
        yield outbox

        queue = GaugeMetricFamily(
            "metavast_celery_queue_length", "Tasks waiting on the broker.", labels=["queue"]
        )
        length = celery_queue_length()
        if length is not None:
            queue.add_metric(["celery"], length)
        yield queue

        ratio = cache_hit_ratio()
        if ratio is not None:
            hits, misses = ratio
            yield GaugeMetricFamily("metavast_cache_hits", "Redis keyspace hits.", value=hits)
            yield GaugeMetricFamily("metavast_cache_misses", "Redis keyspace misses.", value=misses)
            yield GaugeMetricFamily(
                "metavast_cache_hit_ratio",
                "Hits / (hits + misses) since Redis started.",
                value=(hits / (hits + misses)) if hits + misses else 0.0,
            )

        from metavast.core.db_router import REPLICA, state

        if REPLICA in settings.DATABASES:
            state.is_usable()
            lag = GaugeMetricFamily(
                "metavast_replica_lag_seconds", "Replay lag of the read replica (-1: unusable)."
            )
            lag.add_metric([], state.lag_seconds if state.lag_seconds is not None else -1.0)
            yield lag


def metrics_view(request):
    if not allowed(request):
        return HttpResponseNotFound()
    return HttpResponse(
        generate_latest(registry(ShopCollector())), content_type=CONTENT_TYPE_LATEST
    )
