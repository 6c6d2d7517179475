"""Prometheus metrics: request latency per view, and the shop's state read at scrape time.

Two kinds of figures:

- per request, measured in `MetricsMiddleware`: a latency histogram labelled by the view's
  URL name (never the path: paths carry ids and slugs) and the response's status class. Under
  gunicorn every worker keeps its own; with PROMETHEUS_MULTIPROC_DIR set (make prod sets one
  directory per app node) prometheus-client sums them across the node's workers;
- read when Prometheus scrapes (config/metrics.py's `ShopCollector`, above every app): orders and payments by status, the outbox's
  depth (messages not yet sent), the Celery queue's length on the broker, and the cache's
  hit rate (Redis' own keyspace_hits / keyspace_misses). Counting rows at scrape time costs
  a few indexed COUNTs every 15-30 s and needs no hook in the services.

/metrics is served only to a scraper that reaches the app node directly from
METRICS_ALLOWED_NETWORKS (loopback by default), never through nginx (which also refuses the
path): the figures say how much the shop sells.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from django.conf import settings
from prometheus_client import CollectorRegistry, Histogram

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "metavast_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by view.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        labels = (view, request.method, response.status_code // 100)
        child = _children.get(labels)
        if child is None:
            child = _child(labels)
        child.observe(time.perf_counter() - started)
        return response


# (view, method, status class) -> the histogram's child: labels() validates and locks on
# every call; the set of combinations is small (views x methods x five classes).
_children: dict[tuple, object] = {}
_CHILDREN_MAX = 4096  # a flood of odd methods must not grow it without end


def _child(labels: tuple):
    view, method, status = labels
    child = REQUEST_LATENCY.labels(view=view, method=method, status=f"{status}xx")
    if len(_children) < _CHILDREN_MAX:
        _children[labels] = child
    return child


def count_by_status(model) -> dict[str, int]:
    from django.db.models import Count

    rows = model.objects.using("default").values_list("status").annotate(n=Count("pk"))
    return dict(rows.order_by())


def celery_queue_length(queue: str = "celery") -> int | None:
    """Messages waiting in the broker's queue (a passive declare: nothing is created)."""
    from celery import current_app as app

    if app.conf.broker_url.startswith("memory://"):
        return None
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            _, messages, _ = connection.default_channel.queue_declare(queue=queue, passive=True)
            return int(messages)
    except Exception as exc:
        log.warning("metrics: queue length unavailable", extra={"error": type(exc).__name__})
        return None


def cache_hit_ratio() -> tuple[int, int] | None:
    """(hits, misses) from Redis' INFO stats; None for another cache backend."""
    from django.core.cache import cache

    client_factory = getattr(cache, "_cache", None)
    get_client = getattr(client_factory, "get_client", None)
    if get_client is None:
        return None
    try:
        stats = get_client(write=False).info("stats")
    except Exception as exc:
        log.warning("metrics: cache stats unavailable", extra={"error": type(exc).__name__})
        return None
    return int(stats.get("keyspace_hits", 0)), int(stats.get("keyspace_misses", 0))


def registry(*collectors) -> CollectorRegistry:
    """The node's registry: every worker's request figures (multiprocess) and `collectors`."""
    from prometheus_client import REGISTRY

    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        for collector in collectors:
            merged.register(collector)
        return merged
    combined = CollectorRegistry()
    combined.register(_Forward(REGISTRY))
    for collector in collectors:
        combined.register(collector)
    return combined


class _Forward:
    """The process's default registry inside another one (single-process servers, tests)."""

    def __init__(self, source) -> None:
        self.source = source

    def collect(self):
        yield from self.source.collect()


def allowed(request) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False  # came through the proxy: not a scraper on the node's network
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        peer in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS
    )
