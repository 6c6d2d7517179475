"""Counting without personal data (issue 13, item 4; Done-means: the analytics tables hold no
IP, user id or cookie value), unique visitors through a daily salt that is destroyed, bots
left out, and the fold from the queue into the hour and day tables."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from metavast.analytics import buffer, salts
from metavast.analytics.models import DailyCount, DailyVisitor, HourlyCount, Metric
from metavast.analytics.services import analytics_fold, visitor_salts_destroy
from metavast.catalog.services.misses import search_miss_record
from metavast.core.jalali import TEHRAN
from metavast.orders.tests.factories import make_customer, make_variant

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"
UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1 Marker-Q7Z"
)
# These read the Redis queue itself: without REDIS_URL the buffer is in memory (`make test` on
# the embedded default), and CI runs them with Redis.
needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="reads the Redis queue: set REDIS_URL"
)

BROWSER = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": UA, "HTTP_ACCEPT_LANGUAGE": "fa-IR,fa;q=0.9"}
ANALYTICS_TABLES = [m._meta.db_table for m in (HourlyCount, DailyCount, DailyVisitor)]


def _counts(metric: str, key: str | None = None) -> int:
    rows = DailyCount.objects.filter(metric=metric)
    if key is not None:
        rows = rows.filter(key=key)
    return sum(rows.values_list("count", flat=True))


def _browse(client: Client, variant) -> None:
    product = variant.product
    referer = {"HTTP_REFERER": "https://www.google.com/search?q=%D9%84%DB%8C%D9%88%D8%A7%D9%86"}
    assert client.get("/", **BROWSER, **referer).status_code == 200
    url = reverse("catalog:product", args=[product.slug])
    assert client.get(url, **BROWSER).status_code == 200
    assert client.get(url, **BROWSER).status_code == 200
    assert (
        client.get(reverse("catalog:search"), {"q": "کالای  آزمایشی"}, **BROWSER).status_code == 200
    )
    response = client.post(
        reverse("cart:add"),
        {"variant": variant.pk, "quantity": 1},
        HTTP_ORIGIN="http://testserver",
        **BROWSER,
    )
    assert response.status_code == 302


@needs_redis
def test_tables_hold_no_ip_user_id_cookie_or_user_agent_after_traffic():
    # Given a signed-in customer with a session cookie, a known IP and user agent
    customer = make_customer(email="visitor-7731@example.com")
    variant = make_variant(title="لیوان سفالی")
    client = Client()
    client.force_login(customer)
    session_key = client.cookies["sessionid"].value
    # When they browse, search and add to the cart
    _browse(client, variant)
    csrf = client.cookies.get("csrftoken")
    secrets_seen = [IP, "Marker-Q7Z", UA, session_key, customer.email, str(customer.mobile)]
    if csrf is not None:
        secrets_seen.append(csrf.value)
    # Then what waits in the queue carries none of it
    buffer.flush()
    client_redis, key = buffer._redis_client()
    raw = b" ".join(client_redis.lrange(key, 0, -1)).decode()
    assert raw, "nothing was queued"
    for secret in secrets_seen:
        assert secret not in raw
    # And after the fold, no column of any analytics table holds it either
    assert analytics_fold() == 5
    assert _counts(Metric.PAGE_VIEW) == 4
    assert _counts(Metric.PRODUCT_VIEW, variant.product.slug) == 2
    assert _counts(Metric.ADD_TO_CART) == 1
    assert _counts(Metric.SEARCH, "کالای آزمایشی") == 1
    assert _counts(Metric.REFERRER, "google.com") == 1
    assert _counts(Metric.DEVICE, "phone") == 4
    assert _counts(Metric.VISITORS) == 1
    user_ids = {str(customer.pk)}
    cells = 0
    with connection.cursor() as cursor:
        for table in ANALYTICS_TABLES:
            cursor.execute(f'SELECT * FROM "{table}"')
            names = [c[0] for c in cursor.description]  # .name is psycopg only
            for name in names:
                assert not any(w in name for w in ("ip", "user", "session", "cookie", "agent"))
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    cells += 1
                    text = str(value)
                    for secret in secrets_seen:
                        assert secret not in text, (table, name, text)
                    if isinstance(value, str):
                        assert text not in user_ids, (table, name, text)
    assert cells > 50


def test_no_cookie_is_set_for_counting():
    make_variant()
    client = Client()
    response = client.get("/", **BROWSER)
    assert response.status_code == 200
    assert buffer.pending() == 1
    assert not [c for c in response.cookies if "analytic" in c.lower() or "visitor" in c.lower()]


@pytest.mark.parametrize(
    "headers",
    [
        {
            "HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        },
        {"HTTP_USER_AGENT": "curl/8.5.0"},
        {"HTTP_USER_AGENT": UA, "HTTP_ACCEPT_LANGUAGE": ""},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_USER_AGENT": ""},
    ],
    ids=["googlebot", "curl", "no-accept-language", "purpose-prefetch", "sec-purpose", "no-ua"],
)
def test_bots_and_prefetches_are_not_counted(headers):
    client = Client()
    assert client.get("/", **{**BROWSER, **headers}).status_code == 200
    assert buffer.pending() == 0
    # A person with the same page is
    assert client.get("/", **BROWSER).status_code == 200
    assert buffer.pending() == 1


def test_admin_api_errors_and_fragments_are_not_counted(admin_client):
    client = Client()
    client.get("/no-such-page/", **BROWSER)
    client.get("/", HTTP_HX_REQUEST="true", **BROWSER)
    admin_client.get(reverse("admin:index"), **BROWSER)
    assert buffer.pending() == 0


def test_personal_looking_search_terms_are_not_kept():
    client = Client()
    client.get(reverse("catalog:search"), {"q": "09121234567"}, **BROWSER)
    client.get(reverse("catalog:search"), {"q": "me@example.com"}, **BROWSER)
    analytics_fold()
    assert list(DailyCount.objects.filter(metric=Metric.SEARCH).values_list("key", "count")) == [
        ("", 2)
    ]


def test_unique_visitors_by_day_with_a_salt_that_is_destroyed():
    day1 = dt.date(2026, 3, 1)
    day2 = dt.date(2026, 3, 2)
    a1 = salts.visitor_digest(day=day1, ip=IP, user_agent=UA, site="shop")
    assert a1 == salts.visitor_digest(day=day1, ip=IP, user_agent=UA, site="shop")
    b1 = salts.visitor_digest(day=day1, ip="198.51.100.2", user_agent=UA, site="shop")
    a2 = salts.visitor_digest(day=day2, ip=IP, user_agent=UA, site="shop")
    assert len({a1, b1, a2}) == 3  # tomorrow the same person is not linkable to today
    assert cache.get("analytics:salt:2026-03-01") is not None

    def ts(day, hour):
        return int(dt.datetime.combine(day, dt.time(hour), tzinfo=TEHRAN).timestamp())

    for event in (
        [ts(day1, 9), a1, "phone", "", [["page_view", ""]]],
        [ts(day1, 10), a1, "phone", "", [["page_view", ""]]],
        [ts(day1, 11), b1, "desktop", "", [["page_view", ""]]],
    ):
        buffer.push(event)
    analytics_fold()
    buffer.push([ts(day1, 23), a1, "phone", "", [["page_view", ""]]])  # a repeat, later fold
    buffer.push([ts(day2, 9), a2, "phone", "", [["page_view", ""]]])
    analytics_fold()
    visitors = dict(DailyCount.objects.filter(metric=Metric.VISITORS).values_list("day", "count"))
    assert visitors == {day1: 2, day2: 1}
    assert DailyVisitor.objects.filter(day=day1).count() == 2

    # When day 2 starts (Tehran), day 1's salt and hashes are destroyed; its count stays
    noon2 = dt.datetime.combine(day2, dt.time(0, 5), tzinfo=TEHRAN)
    assert visitor_salts_destroy(now=noon2) == 2
    assert cache.get("analytics:salt:2026-03-01") is None
    assert salts._memo.get(day1) is None
    assert list(DailyVisitor.objects.values_list("day", flat=True)) == [day2]
    assert DailyCount.objects.get(metric=Metric.VISITORS, day=day1).count == 2
    # A salt made again for day 1 is a new one: the old hashes cannot be recomputed
    assert salts.visitor_digest(day=day1, ip=IP, user_agent=UA, site="shop") != a1


def test_fold_writes_hour_and_day_rows_and_adds_up():
    moment = dt.datetime(2026, 3, 1, 20, 45, tzinfo=dt.UTC)  # 00:15 on 2 March in Tehran
    ts = int(moment.timestamp())
    for _ in range(3):
        buffer.push([ts, "", "", "", [["product_view", "mug"], ["page_view", ""]]])
    assert analytics_fold() == 3
    buffer.push([ts + 60, "", "", "", [["product_view", "mug"]]])
    assert analytics_fold() == 1
    assert analytics_fold() == 0
    hour = HourlyCount.objects.get(metric="product_view", key="mug")
    assert (hour.hour, hour.count) == (dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC), 4)
    day = DailyCount.objects.get(metric="product_view", key="mug")
    assert (day.day, day.count) == (dt.date(2026, 3, 2), 4)  # the Tehran day
    assert DailyCount.objects.get(metric="page_view").count == 3
    assert buffer.pending() == 0


def test_the_fold_task_runs_through_celery():
    from metavast.analytics.tasks import fold_events

    buffer.push([1767225600, "", "", "", [["add_to_cart", ""]]])
    assert fold_events.apply().get() == 1
    assert DailyCount.objects.get(metric="add_to_cart").count == 1


def test_memory_buffer_without_redis(settings):
    # The embedded default: no Redis, so a deque in this process (Django swaps the cache
    # handler when CACHES changes).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert buffer._redis_client() == (None, None)
    buffer.push([1767225600, "", "", "", [["page_view", ""]]])
    assert buffer.pending() == 1
    assert analytics_fold() == 1
    assert buffer.pending() == 0
    assert DailyCount.objects.get(metric="page_view").count == 1


def test_zero_result_searches_are_the_catalogs(db):
    # Reused, not duplicated: the catalog counts misses; analytics counts all searches.
    search_miss_record(query="قوری چدنی")
    assert not DailyCount.objects.exists()


@needs_redis
def test_events_reach_redis_in_batches():
    client, key = buffer._redis_client()
    for _ in range(3):
        buffer.push([1767225600, "", "", "", [["page_view", ""]]])
    assert client.llen(key) == 0  # held in this process: no round trip per page
    assert buffer.pending() == 3  # the fold (and pending) send the batch first
    assert client.llen(key) == 3
    for _ in range(buffer.BATCH_EVENTS):
        buffer.push([1767225600, "", "", "", [["page_view", ""]]])
    assert client.llen(key) == 3 + buffer.BATCH_EVENTS  # a full batch goes at once


def test_the_fold_task_keeps_going_while_batches_are_full(monkeypatch):
    from metavast.analytics import services, tasks

    monkeypatch.setattr(services, "FOLD_BATCH", 10)
    monkeypatch.setattr(tasks, "FOLD_BATCH", 10)
    monkeypatch.setattr(services.analytics_fold, "__kwdefaults__", {"limit": 10})
    for _ in range(25):
        buffer.push([1767225600, "", "", "", [["page_view", ""]]])
    assert tasks.fold_events.apply().get() == 25
    assert DailyCount.objects.get(metric="page_view").count == 25
