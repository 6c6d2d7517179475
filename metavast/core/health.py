"""Liveness and readiness, for the load balancer and the orchestrator.

- /livez: the process answers. No database, no cache: a liveness probe that failed whenever
  PostgreSQL restarts would have every app node killed during a database failover.
- /readyz: this node can serve the shop now: the primary database, the cache, the broker,
  and the read replica's lag. 200 when everything the shop cannot work without is ok, 503
  otherwise; the replica only degrades (reads fall back to the primary: see db_router), so a
  dead or lagging replica is reported but keeps the node ready.
- /healthz: the same liveness as /livez (the issue's name for it); the database and cache
  checks it used to make are /readyz's.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from metavast.core import db_router

log = logging.getLogger(__name__)


@never_cache
@require_GET
def livez(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    try:
        with connections[db_router.PRIMARY].cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        log.warning("readyz: database", extra={"error": type(exc).__name__})
        db_router.close_quietly(db_router.PRIMARY)
        return "error"


def check_cache() -> str:
    try:
        cache.set("readyz", "1", 5)
        return "ok" if cache.get("readyz") == "1" else "error"
    except Exception as exc:
        log.warning("readyz: cache", extra={"error": type(exc).__name__})
        return "error"


def check_broker() -> str:
    from celery import current_app

    url = current_app.conf.broker_url or ""
    if url.startswith("memory://"):
        return "none"  # the embedded default runs tasks in-process
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        log.warning("readyz: broker", extra={"error": type(exc).__name__})
        return "error"


def check_replica() -> dict:
    if db_router.REPLICA not in settings.DATABASES:
        return {"status": "none"}
    lag, reason = db_router.measure_lag()
    if lag is None:
        return {"status": "error", "reason": reason}
    ok = lag <= settings.REPLICA_MAX_LAG_SECONDS
    return {"status": "ok" if ok else "lagging", "lag_seconds": round(lag, 3)}


@never_cache
@require_GET
def readyz(request) -> JsonResponse:
    checks = {
        "database": check_database(),
        "cache": check_cache(),
        "broker": check_broker(),
        "replica": check_replica(),
    }
    ready = checks["database"] == "ok" and checks["cache"] == "ok" and checks["broker"] != "error"
    return JsonResponse(
        {"status": "ok" if ready else "error", **checks}, status=200 if ready else 503
    )
