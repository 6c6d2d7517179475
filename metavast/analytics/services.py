"""The fold: queued events into hour and day aggregate tables; paid orders from the orders
table; the daily destruction of visitor salts and hashes.

Counts are added with one upsert per table (`INSERT ... ON CONFLICT DO UPDATE SET count =
count + excluded.count`, the same SQL on PostgreSQL and SQLite), so two folds running at
once add up rather than overwrite. Paid orders are not counted from requests: they are
recomputed from `orders.Order` (by `paid_at`; cancelled and refunded orders do not count)
for a window of recent days, replacing what the window held, so a late cancellation is
reflected the next time the window covers its day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from metavast.analytics import buffer
from metavast.analytics.models import DailyCount, DailyVisitor, HourlyCount, Metric
from metavast.analytics.salts import destroy_salts_before, tehran_day
from metavast.core.jalali import TEHRAN
from metavast.orders.models import Order, OrderStatus

FOLD_BATCH = 20_000
CHUNK = 500
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def _chunks(rows: list, size: int = CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _add_counts(table: str, time_column: str, counts: Counter) -> None:
    rows = [(t, metric, key, n) for (t, metric, key), n in counts.items()]
    for chunk in _chunks(rows):
        values = ", ".join(["(%s, %s, %s, %s, 0)"] * len(chunk))
        sql = (
            f'INSERT INTO "{table}" ("{time_column}", "metric", "key", "count", "total")'  # noqa: S608
            f" VALUES {values}"
            f' ON CONFLICT ("{time_column}", "metric", "key") DO UPDATE'
            f' SET "count" = "{table}"."count" + excluded."count"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [v for row in chunk for v in row])


def _new_visitors(day: dt.date, digests: set[str]) -> int:
    """Insert the day's hashes; how many were not there yet."""
    table = DailyVisitor._meta.db_table
    added = 0
    for chunk in _chunks(sorted(digests)):
        values = ", ".join(["(%s, %s)"] * len(chunk))
        sql = (
            f'INSERT INTO "{table}" ("day", "digest") VALUES {values}'  # noqa: S608
            ' ON CONFLICT ("day", "digest") DO NOTHING RETURNING "id"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [v for d in chunk for v in (day, d)])
            added += len(cursor.fetchall())
    return added


def analytics_fold(*, limit: int = FOLD_BATCH) -> int:
    """Fold up to `limit` queued events into the aggregate tables; returns how many."""
    events = buffer.drain(limit)
    if not events:
        return 0
    hourly: Counter = Counter()
    daily: Counter = Counter()
    digests: defaultdict[dt.date, set[str]] = defaultdict(set)
    for ts, digest, device, referrer, pairs in events:
        moment = dt.datetime.fromtimestamp(ts, dt.UTC)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        day = tehran_day(moment)
        if device:
            pairs = [*pairs, [Metric.DEVICE, device]]
        if referrer:
            pairs = [*pairs, [Metric.REFERRER, referrer]]
        for metric, key in pairs:
            hourly[(hour, metric, key)] += 1
            daily[(day, metric, key)] += 1
        if digest:
            digests[day].add(digest)
    with transaction.atomic():
        for day, seen in digests.items():
            new = _new_visitors(day, seen)
            if new:
                daily[(day, Metric.VISITORS, "")] += new
        _add_counts(HourlyCount._meta.db_table, "hour", hourly)
        _add_counts(DailyCount._meta.db_table, "day", daily)
    return len(events)


def paid_orders_refresh(*, days: int = 2, now: dt.datetime | None = None) -> int:
    """Recompute the paid-order rows of the last `days` Tehran days (today included)."""
    now = now or timezone.now()
    first_day = tehran_day(now) - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=TEHRAN)
    paid = Order.objects.filter(paid_at__gte=start).exclude(status__in=NOT_COUNTED)
    by_hour = (
        paid.annotate(h=TruncHour("paid_at", tzinfo=dt.UTC))
        .values("h")
        .annotate(n=Count("pk"), total=Sum("total"))
    )
    by_day = (
        paid.annotate(d=TruncDate("paid_at", tzinfo=TEHRAN))
        .values("d")
        .annotate(n=Count("pk"), total=Sum("total"))
    )
    with transaction.atomic():
        HourlyCount.objects.filter(metric=Metric.PAID_ORDER, hour__gte=start).delete()
        DailyCount.objects.filter(metric=Metric.PAID_ORDER, day__gte=first_day).delete()
        HourlyCount.objects.bulk_create(
            HourlyCount(hour=r["h"], metric=Metric.PAID_ORDER, count=r["n"], total=r["total"])
            for r in by_hour
        )
        days_rows = [
            DailyCount(day=r["d"], metric=Metric.PAID_ORDER, count=r["n"], total=r["total"])
            for r in by_day
        ]
        DailyCount.objects.bulk_create(days_rows)
    return len(days_rows)


def visitor_salts_destroy(*, now: dt.datetime | None = None) -> int:
    """Destroy the salts and hashes of every day before today (Tehran): after this, a past
    day's visitors can no longer be linked to anyone, nor to today's."""
    today = tehran_day(now or timezone.now())
    destroy_salts_before(today)
    deleted, _ = DailyVisitor.objects.filter(day__lt=today).delete()
    return deleted
