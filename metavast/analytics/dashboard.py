"""The staff dashboard's figures (issue 13, item 5): aggregates only, never a list of people.

Read from the aggregate tables (visits, views, searches, sales by day), from order lines
summed by product and category (titles and sums, no order or customer), from the catalog's
zero-result queries (already counted there, not duplicated here) and, once the marketing
app has campaigns, their counts. The CSV export writes the same daily aggregate rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from metavast.analytics.charts import bar_list_chart, column_chart, fa_number, funnel_chart
from metavast.analytics.models import DailyCount, Metric
from metavast.analytics.salts import tehran_day
from metavast.catalog.models import Product, ZeroResultQuery
from metavast.core import jalali
from metavast.core.money import format_toman, rials_to_whole_toman
from metavast.core.text import to_persian_digits
from metavast.orders.models import Order, OrderLine, OrderStatus

PERIODS = (7, 30, 90)
TOP = 10
DEVICE_NAMES = {"phone": "گوشی", "tablet": "تبلت", "desktop": "رایانه"}
STEP_NAMES = {
    "start": "آغاز تسویه",
    "address": "نشانی",
    "shipping": "روش ارسال",
    "review": "بازبینی",
    "place": "ثبت سفارش",
}
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@dataclass
class Dashboard:
    days: int
    first_day: dt.date
    last_day: dt.date
    period_label: str
    totals: list[tuple[str, str]] = field(default_factory=list)
    charts: dict = field(default_factory=dict)
    campaigns: list[dict] = field(default_factory=list)
    campaigns_available: bool = False


def period_days(raw) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return 30
    return days if days in PERIODS else 30


def _day_label(day: dt.date) -> str:
    j = jalali.to_jalali(dt.datetime.combine(day, dt.time(12), tzinfo=jalali.TEHRAN))
    return to_fa(f"{j.day} {jalali.MONTH_NAMES[j.month - 1]}")


def to_fa(text: str) -> str:
    return to_persian_digits(text)


def _sum_by_key(rows, metric: str, limit: int = TOP) -> list[tuple[str, int]]:
    return [
        (r["key"], r["n"])
        for r in rows.filter(metric=metric)
        .values("key")
        .annotate(n=Sum("count"))
        .order_by("-n", "key")[:limit]
    ]


CAMPAIGN_COUNTS = (
    ("queued", "در صف"),
    ("sent", "فرستاده"),
    ("failed", "ناموفق"),
    ("unsubscribed", "لغو اشتراک"),
)


def _campaigns() -> tuple[bool, list[dict]]:
    """The latest campaigns' counts (marketing.services.campaign_counts: aggregates only),
    when the marketing app has campaigns."""
    try:
        from metavast.marketing.models import Campaign
        from metavast.marketing.services import campaign_counts
    except ImportError:
        return False, []
    rows = []
    for campaign in Campaign.objects.order_by("-created_at", "-pk")[:TOP]:
        counts = campaign_counts(campaign=campaign)
        rows.append(
            {
                "name": campaign.name,
                "channel": campaign.get_channel_display(),
                "counts": [
                    (label, fa_number(counts.get(key, 0))) for key, label in CAMPAIGN_COUNTS
                ],
            }
        )
    return True, rows


def dashboard_build(*, days: int = 30, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    last_day = tehran_day(now)
    first_day = last_day - dt.timedelta(days=days - 1)
    rows = DailyCount.objects.filter(day__gte=first_day, day__lte=last_day)
    board = Dashboard(
        days=days,
        first_day=first_day,
        last_day=last_day,
        period_label=f"{jalali.format_jalali_date(first_day)} تا {jalali.format_jalali_date(last_day)}",
    )
    sums = {
        r["metric"]: r
        for r in rows.values("metric").annotate(n=Sum("count"), t=Sum("total")).order_by()
    }

    def total(metric: str) -> int:
        return int((sums.get(metric) or {}).get("n") or 0)

    # Sales are read from the orders table itself (one aggregate by day), so the dashboard
    # agrees with the staff home's sales card even before the next fold.
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=jalali.TEHRAN)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=jalali.TEHRAN)
    sales = {
        r["d"]: r
        for r in Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .annotate(d=TruncDate("paid_at", tzinfo=jalali.TEHRAN))
        .values("d")
        .annotate(n=Count("pk"), t=Sum("total"))
        .order_by()
    }
    paid_count = sum(r["n"] for r in sales.values())
    paid_total = sum(int(r["t"] or 0) for r in sales.values())
    board.totals = [
        ("بازدیدکنندهٔ یکتا", fa_number(total(Metric.VISITORS))),
        ("بازدید صفحه", fa_number(total(Metric.PAGE_VIEW))),
        ("سفارش پرداخت‌شده", fa_number(paid_count)),
        ("فروش", format_toman(paid_total)),
    ]
    span = [first_day + dt.timedelta(days=i) for i in range(days)]
    board.charts["sales"] = column_chart(
        [
            (_day_label(d), rials_to_whole_toman(int((sales.get(d) or {}).get("t") or 0)))
            for d in span
        ],
        title="فروش روزانه (تومان)",
        integer=True,
    )
    board.charts["orders"] = column_chart(
        [(_day_label(d), (sales.get(d) or {}).get("n", 0)) for d in span],
        title="سفارش‌های پرداخت‌شدهٔ روزانه",
        color="#1d4ed8",
        integer=True,
    )

    checkout_started = (
        rows.filter(metric=Metric.CHECKOUT_STEP, key="start").aggregate(n=Sum("count"))["n"] or 0
    )
    board.charts["funnel"] = funnel_chart(
        [
            ("بازدید کالا", total(Metric.PRODUCT_VIEW)),
            ("افزودن به سبد", total(Metric.ADD_TO_CART)),
            ("آغاز تسویه", checkout_started),
            ("پرداخت", paid_count),
        ],
        title="قیف خرید",
    )
    steps = dict(_sum_by_key(rows, Metric.CHECKOUT_STEP))
    board.charts["steps"] = bar_list_chart(
        [(label, steps.get(key, 0)) for key, label in STEP_NAMES.items()],
        title="گام‌های تسویه",
    )

    viewed = _sum_by_key(rows, Metric.PRODUCT_VIEW)
    titles = dict(
        Product.objects.filter(slug__in=[k for k, _ in viewed]).values_list("slug", "title")
    )
    board.charts["viewed"] = bar_list_chart(
        [(titles.get(k, k), n) for k, n in viewed], title="پربازدیدترین کالاها"
    )

    lines = OrderLine.objects.filter(
        Q(order__paid_at__gte=start, order__paid_at__lt=end) & ~Q(order__status__in=NOT_COUNTED)
    )
    sold = list(lines.values("title").annotate(n=Sum("line_total")).order_by("-n", "title")[:TOP])
    board.charts["sold"] = bar_list_chart(
        [(r["title"], r["n"]) for r in sold], title="پرفروش‌ترین کالاها", value_label=_toman
    )
    by_category = list(
        lines.filter(product__isnull=False)
        .values("product__category__name")
        .annotate(n=Sum("line_total"))
        .order_by("-n", "product__category__name")[:TOP]
    )
    board.charts["categories"] = bar_list_chart(
        [(r["product__category__name"], r["n"]) for r in by_category],
        title="پرفروش‌ترین دسته‌ها",
        value_label=_toman,
    )

    searches = [(k or "(شبیه دادهٔ شخصی، ثبت نشد)", n) for k, n in _sum_by_key(rows, Metric.SEARCH)]
    board.charts["searches"] = bar_list_chart(searches, title="جست‌وجوهای پرتکرار")
    zero = ZeroResultQuery.objects.filter(last_seen__gte=first_day).order_by("-count", "query")
    board.charts["zero"] = bar_list_chart(
        [(z.query, z.count) for z in zero[:TOP]], title="جست‌وجوهای بی‌نتیجه", color=ACCENT_RED
    )
    board.charts["referrers"] = bar_list_chart(
        _sum_by_key(rows, Metric.REFERRER), title="ارجاع‌دهنده‌ها"
    )
    board.charts["devices"] = bar_list_chart(
        [(DEVICE_NAMES.get(k, k), n) for k, n in _sum_by_key(rows, Metric.DEVICE)],
        title="نوع دستگاه",
    )
    board.campaigns_available, board.campaigns = _campaigns()
    return board


ACCENT_RED = "#b91c1c"


def _toman(rials: float) -> str:
    return format_toman(int(rials))


CSV_HEADER = ["روز (جلالی)", "روز (میلادی)", "سنجه", "کلید", "تعداد", "مبلغ (ریال)"]


def csv_rows(*, days: int = 30, now: dt.datetime | None = None):
    """The period's daily aggregate rows: day, metric, key, count, total. Nothing else."""
    now = now or timezone.now()
    last_day = tehran_day(now)
    first_day = last_day - dt.timedelta(days=days - 1)
    labels = dict(Metric.choices)
    yield CSV_HEADER
    rows = DailyCount.objects.filter(day__gte=first_day, day__lte=last_day).order_by(
        "day", "metric", "key"
    )
    for r in rows.values_list("day", "metric", "key", "count", "total").iterator():
        day, metric, key, count, total = r
        yield [
            jalali.format_jalali_numeric(day),
            day.isoformat(),
            labels.get(metric, metric),
            key,
            count,
            total,
        ]
