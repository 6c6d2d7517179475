"""Issue 17, the part CI runs in-process (seconds): the replica router, the health and metrics
endpoints, the Persian 503 on a database outage, the request id, the cache that fails open
for pages and closed for limits. The topology itself is tested in test_prod_topology.py.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from metavast.catalog.models import Product
from metavast.core import db_router, request_id
from metavast.core.metrics import REQUEST_LATENCY

# --- the router --------------------------------------------------------------------------


@pytest.fixture
def replica_on(settings, monkeypatch):
    """A "replica" alias the router believes usable (no real second server needed here)."""
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    monkeypatch.setattr(db_router.state, "is_usable", lambda: True)
    return db_router.PrimaryReplicaRouter()


class _NotInTransaction:
    in_atomic_block = False


@pytest.fixture
def outside_transaction(monkeypatch):
    monkeypatch.setattr(
        db_router, "connections", {db_router.PRIMARY: _NotInTransaction(), "replica": None}
    )


def test_catalog_reads_go_to_the_replica_and_everything_else_to_the_primary(
    replica_on, outside_transaction
):
    from metavast.orders.models import Order

    assert replica_on.db_for_read(Product) == "replica"
    assert replica_on.db_for_read(Order) == "default"
    assert replica_on.db_for_write(Product) == "default"
    assert replica_on.allow_migrate("replica", "catalog") is False
    assert replica_on.allow_migrate("default", "catalog") is True


def test_a_pinned_request_reads_the_catalog_from_the_primary(replica_on, outside_transaction):
    token = db_router.pin_to_primary()
    try:
        assert replica_on.db_for_read(Product) == "default"
    finally:
        db_router.unpin(token)
    assert replica_on.db_for_read(Product) == "replica"


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(replica_on):
    # pytest-django wraps this test in a transaction on "default", as a service would.
    assert connection.in_atomic_block
    assert replica_on.db_for_read(Product) == "default"


def test_an_unusable_replica_sends_catalog_reads_to_the_primary(
    settings, monkeypatch, outside_transaction
):
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    monkeypatch.setattr(db_router.state, "is_usable", lambda: False)
    assert db_router.PrimaryReplicaRouter().db_for_read(Product) == "default"


def test_without_a_replica_alias_nothing_changes(outside_transaction):
    db_router.state.reset()
    assert db_router.state.is_usable() is False
    assert db_router.PrimaryReplicaRouter().db_for_read(Product) == "default"


def test_replica_state_judges_lag_and_rechecks_only_every_few_seconds(settings, monkeypatch):
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    settings.REPLICA_MAX_LAG_SECONDS = 5.0
    settings.REPLICA_CHECK_SECONDS = 60.0
    measured = iter([(1.0, "ok"), (30.0, "ok")])
    calls = []

    def fake_measure():
        calls.append(1)
        return next(measured)

    monkeypatch.setattr(db_router, "measure_lag", fake_measure)
    state = db_router.ReplicaState()
    assert state.is_usable() is True and state.lag_seconds == 1.0
    assert state.is_usable() is True and len(calls) == 1  # cached within the interval
    state.checked_at = time.monotonic() - 61
    assert state.is_usable() is False
    assert state.reason == "lag 30.0s > 5.0s"
    state.mark_down("query failed")
    assert state.is_usable() is False and state.reason == "query failed"


@pytest.mark.django_db
@pytest.mark.postgres
def test_measure_lag_refuses_a_server_that_is_not_a_replica(settings, monkeypatch):
    """On the real local PostgreSQL (a primary): not in recovery, so never used for reads."""
    monkeypatch.setattr(db_router, "REPLICA", "default")
    lag, reason = db_router.measure_lag()
    assert lag is None
    assert reason == "not a replica (not in recovery)"


def test_a_write_pins_the_browser_to_the_primary_for_the_sticky_window(settings, monkeypatch):
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    settings.REPLICA_STICKY_SECONDS = 10
    seen = []

    def view(request):
        seen.append(db_router.is_pinned())
        return HttpResponse("ok")

    middleware = db_router.PinToPrimaryMiddleware(view)
    factory = RequestFactory()
    response = middleware(factory.post("/cart/add/"))
    cookie = response.cookies[db_router.sticky_cookie_name()]
    assert seen == [True]
    assert int(cookie.value) - int(time.time()) in (9, 10)
    assert cookie["max-age"] == 10 and cookie["httponly"]

    later = factory.get("/product/1/")
    later.COOKIES[db_router.sticky_cookie_name()] = cookie.value
    middleware(later)
    expired = factory.get("/product/1/")
    expired.COOKIES[db_router.sticky_cookie_name()] = str(int(time.time()) - 1)
    middleware(expired)
    assert seen == [True, True, False]
    assert db_router.is_pinned() is False


def test_a_get_whose_replica_query_failed_runs_again_on_the_primary(settings, monkeypatch):
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    monkeypatch.setattr(db_router, "_replica_broken", lambda exc: True)
    marked = []
    monkeypatch.setattr(db_router.state, "mark_down", marked.append)
    monkeypatch.setattr(db_router, "close_quietly", lambda alias: None)
    attempts = []
    middleware = None

    def view(request):
        attempts.append(db_router.is_pinned())
        if not db_router.is_pinned():
            # What Django does with a view's exception: process_exception, then the response.
            return middleware.process_exception(request, OperationalError("replica gone"))
        return HttpResponse("from the primary")

    middleware = db_router.ReplicaFallbackMiddleware(view)
    response = middleware(RequestFactory().get("/search/?q=x"))
    assert response.status_code == 200 and response.content == b"from the primary"
    assert attempts == [False, True]
    assert marked == ["query failed: OperationalError"]


def test_a_post_is_never_run_twice_when_the_replica_failed(settings, monkeypatch):
    monkeypatch.setattr(db_router, "has_replica", lambda: True)
    monkeypatch.setattr(db_router, "_replica_broken", lambda exc: True)
    monkeypatch.setattr(db_router.state, "mark_down", lambda reason: None)
    monkeypatch.setattr(db_router, "close_quietly", lambda alias: None)
    middleware = db_router.ReplicaFallbackMiddleware(lambda r: HttpResponse("unused"))
    request = RequestFactory().post("/cart/add/")
    request._metavast_replica_failed = False
    assert middleware.process_exception(request, OperationalError("x")) is None


# --- health and metrics ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["/livez", "/healthz"])
def test_liveness_needs_nothing(client, django_assert_num_queries, probe):
    with django_assert_num_queries(0):
        response = client.get(probe)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_stays_alive_when_the_database_and_cache_are_down(client, monkeypatch):
    """Liveness only: a node is never restarted because PostgreSQL or Redis is away."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"] in {"ok", "none"}
    assert body["replica"] == {"status": "none"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_down(client, monkeypatch):
    from metavast.core import health

    monkeypatch.setattr(health, "check_database", lambda: "error")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"] == "error"


@pytest.mark.django_db
def test_readyz_stays_ready_with_a_dead_replica(client, monkeypatch):
    from metavast.core import health

    monkeypatch.setattr(health, "check_replica", lambda: {"status": "error", "reason": "x"})
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["replica"]["status"] == "error"


@pytest.mark.django_db
def test_metrics_are_served_to_a_local_scraper_only(client):
    client.get("/livez")
    direct = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert direct.status_code == 200
    text = direct.content.decode()
    assert (
        'metavast_http_request_duration_seconds_bucket{le="0.005",method="GET",status="2xx",view="livez"}'
        in text
    )
    for name in ("metavast_orders", "metavast_payments", "metavast_outbox_depth"):
        assert f"# TYPE {name} gauge" in text
    through_proxy = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert through_proxy.status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


@pytest.mark.django_db
def test_order_and_payment_gauges_count_rows_by_status(client):
    from config.metrics import ShopCollector

    families = {family.name: family for family in ShopCollector().collect()}
    assert families["metavast_orders"].samples == []  # no orders in a fresh database
    assert families["metavast_outbox_depth"].samples[0].value == 0


def test_latency_histogram_is_labelled_by_view_name_not_path():
    labels = REQUEST_LATENCY._labelnames
    assert labels == ("view", "method", "status")


# --- the Persian 503 -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_database_outage_is_a_persian_503_not_a_500(client, settings):
    import config.urls

    def db_down(request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    def bug(request):
        raise RuntimeError("a bug")

    settings.ROOT_URLCONF = type(
        "U",
        (),
        {
            "urlpatterns": [path("down", db_down), path("bug", bug)],
            "handler500": config.urls.handler500,
        },
    )
    client.raise_request_exception = False
    response = client.get("/down")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "فروشگاه چند لحظه در دسترس نیست" in body and 'dir="rtl"' in body
    assert "Connection refused" not in body
    assert client.get("/bug").status_code == 500


# --- request id ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_id_is_taken_only_from_a_trusted_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.2"]
    offered = "abcdef0123456789abcdef0123456789"
    from_proxy = client.get("/livez", REMOTE_ADDR="127.0.0.2", HTTP_X_REQUEST_ID=offered)
    assert from_proxy["X-Request-ID"] == offered
    forged = client.get("/livez", REMOTE_ADDR="198.51.100.7", HTTP_X_REQUEST_ID=offered)
    assert forged["X-Request-ID"] != offered and len(forged["X-Request-ID"]) == 32
    junk = client.get("/livez", REMOTE_ADDR="127.0.0.2", HTTP_X_REQUEST_ID="x y\nz")
    assert junk["X-Request-ID"] != "x y\nz"


def test_request_id_goes_into_log_records_and_task_headers():
    token = request_id.set_current("feedfacefeedface")
    try:
        record = logging.makeLogRecord({"msg": "hello"})
        request_id.RequestIdFilter().filter(record)
        assert record.request_id == "feedfacefeedface"

        from celery.signals import before_task_publish

        headers: dict = {}
        before_task_publish.send(sender="some.task", headers=headers, body=None)
        assert headers[request_id.TASK_HEADER] == "feedfacefeedface"
    finally:
        request_id.reset(token)


def test_a_task_runs_under_the_request_id_it_was_queued_with():
    from celery import shared_task

    seen = []

    @shared_task(name="tests.prod_light.record_request_id")
    def record_request_id():
        seen.append(request_id.current())

    token = request_id.set_current("0123456789abcdef")
    try:
        # Eager in tests: the header travels in the request's headers as through a broker.
        record_request_id.apply(headers={request_id.TASK_HEADER: "0123456789abcdef"})
    finally:
        request_id.reset(token)
    assert seen == ["0123456789abcdef"]
    assert request_id.current() == ""


# --- the cache: a miss for pages, a refusal for limits ---------------------------------------


def test_a_stopped_redis_is_a_miss_for_pages_and_a_refusal_for_counters():
    from metavast.core.redis_cache import MissOnOutageRedisCache

    # Nothing listens on port 1: every command fails at once, like a stopped Redis.
    down = MissOnOutageRedisCache("redis://127.0.0.1:1/0", {})
    assert down.get("k", "default") == "default"
    assert down.get_many(["a", "b"]) == {}
    assert down.set("k", 1) is None
    assert down.delete("k") is False
    assert down.get_or_set("k", lambda: 42) == 42
    with pytest.raises(Exception):
        down.add("k", 1)
    with pytest.raises(Exception):
        down.incr("k")


def test_sms_code_sending_refuses_in_persian_when_the_cache_is_down(settings):
    """The send limits (accounts.limits) see the counter fail and refuse: fail closed."""
    from metavast.accounts import limits
    from metavast.accounts.errors import CodeUnavailable
    from metavast.core.redis_cache import MissOnOutageRedisCache

    down = MissOnOutageRedisCache("redis://127.0.0.1:1/0", {})
    original = limits.cache
    limits.cache = down
    try:
        with pytest.raises(CodeUnavailable) as refused:
            limits.hit("mobile:x", limit=5, window=60)
    finally:
        limits.cache = original
    message = str(refused.value.message)
    assert any("\u0600" <= ch <= "\u06ff" for ch in message), message


@pytest.mark.django_db
@pytest.mark.parametrize(("secure", "name"), [(True, "__Host-primary"), (False, "primary")])
def test_cookie_policy_lists_the_sticky_primary_cookie(client, settings, secure, name):
    """The read-your-writes cookie the router sets is necessary and shown, in Persian."""
    from django.urls import reverse

    from metavast.consent import registry

    settings.SESSION_COOKIE_SECURE = secure
    settings.REPLICA_STICKY_SECONDS = 10
    assert db_router.sticky_cookie_name() == name
    assert registry.is_necessary_cookie(name)
    body = client.get(reverse("consent:settings")).content.decode()
    assert f'<bdi dir="ltr">{name}</bdi>' in body
    assert "۱۰ ثانیه پس از هر تغییر" in body
