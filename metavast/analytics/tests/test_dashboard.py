"""The staff dashboard: for staff.view_sales_aggregates (marketing, finance, admin) only,
server-rendered SVG in Persian digits with Jalali days and Toman, and a CSV of aggregate rows
only; sales come from the orders table (cancelled orders not counted)."""

from __future__ import annotations

import csv
import io
import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metavast.accounts.testing import verify_staff_client
from metavast.analytics import buffer
from metavast.analytics.models import DailyCount, HourlyCount, Metric
from metavast.analytics.services import analytics_fold, paid_orders_refresh
from metavast.catalog.services.misses import search_miss_record
from metavast.core import jalali
from metavast.core.money import format_toman
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services.status import order_mark_paid
from metavast.orders.tests.factories import (  # noqa: F401  (shop: fixture)
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,
)
from metavast.staff.services import roles_sync, staff_role_assign

pytestmark = pytest.mark.django_db

_payment_ids = itertools.count(1)
LATIN_DIGIT = re.compile(r"[0-9]")


def _paid_order(variant, quantity=1, buyer=None):
    buyer = buyer or make_customer(first_name="خریدار", last_name="پنهان")
    fill_cart(buyer, (variant, quantity))
    order = place(buyer)
    return order_mark_paid(order_id=order.pk, payment_id=next(_payment_ids))


def _staff(role: str):
    roles_sync()
    root = make_customer(is_staff=True)
    user = staff_role_assign(
        user=make_customer(email=f"{role}-{next(_payment_ids)}@example.com"), role=role, actor=root
    )
    client = Client()
    client.force_login(user)
    return verify_staff_client(client, user)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def traffic(shop):  # noqa: F811
    variant = make_variant(title="قوری چدنی", price=2_500_000)
    buyer = make_customer(first_name="نگار", last_name="رازقی")
    kept = _paid_order(variant, 2, buyer=buyer)
    cancelled = _paid_order(make_variant(title="کتری"))
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    now = timezone.now()
    ts = int(now.timestamp())
    for _ in range(5):
        buffer.push(
            [ts, "", "phone", "", [["page_view", ""], ["product_view", variant.product.slug]]]
        )
    buffer.push([ts, "", "", "", [["add_to_cart", ""]]])
    buffer.push([ts, "", "", "", [["checkout_step", "start"]]])
    buffer.push([ts, "", "", "", [["search", "قوری"]]])
    analytics_fold()
    paid_orders_refresh(days=2)
    search_miss_record(query="سماور برقی")
    return {"variant": variant, "kept": kept, "cancelled": cancelled, "buyer": buyer}


def test_sales_come_from_the_orders_table_cancelled_ones_excluded(shop):  # noqa: F811
    variant = make_variant(price=1_000_000)
    kept = _paid_order(variant, 3)
    dropped = _paid_order(variant, 1)
    Order.objects.filter(pk=dropped.pk).update(status=OrderStatus.CANCELLED)
    assert paid_orders_refresh(days=2) == 1
    row = DailyCount.objects.get(metric=Metric.PAID_ORDER)
    assert (row.count, row.total) == (1, kept.total)
    assert row.day == kept.paid_at.astimezone(jalali.TEHRAN).date()
    hour = HourlyCount.objects.get(metric=Metric.PAID_ORDER)
    assert (hour.count, hour.total) == (1, kept.total)
    # Recomputing replaces, never adds
    paid_orders_refresh(days=2)
    assert DailyCount.objects.get(metric=Metric.PAID_ORDER).count == 1


@pytest.mark.parametrize("role", ["marketing", "finance", "admin"])
def test_dashboard_renders_for_sales_roles(role, traffic):
    client = _staff(role)
    response = client.get(reverse("admin:analytics_dailycount_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 10
    text = _visible_text(html)
    assert "قیف خرید" in text and "قوری چدنی" in text and "سماور برقی" in text
    assert format_toman(traffic["kept"].total) in text
    today = timezone.now().astimezone(jalali.TEHRAN)
    j = jalali.to_jalali(today)
    assert jalali.MONTH_NAMES[j.month - 1] in text  # the Jalali axis
    assert LATIN_DIGIT.findall(text) == []  # every number Persian
    # Aggregates only: no buyer's name, email or mobile
    buyer = traffic["buyer"]
    for personal in ("رازقی", buyer.email, str(buyer.mobile)):
        assert personal not in html


@pytest.mark.parametrize("role", ["support", "warehouse", "catalog", "moderator"])
def test_dashboard_and_csv_refused_to_other_roles(role, traffic):
    client = _staff(role)
    assert client.get(reverse("admin:analytics_dailycount_changelist")).status_code == 403
    assert client.get(reverse("admin:analytics_dashboard_csv")).status_code == 403


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(reverse("admin:analytics_dashboard_csv"))
    assert response.status_code == 302


def test_csv_has_aggregate_rows_only(traffic):
    client = _staff("marketing")
    response = client.get(reverse("admin:analytics_dashboard_csv"), {"days": "7"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["روز (جلالی)", "روز (میلادی)", "سنجه", "کلید", "تعداد", "مبلغ (ریال)"]
    data = rows[1:]
    assert len(data) == DailyCount.objects.count() > 0
    assert all(len(r) == 6 for r in data)
    by_metric = {(r[2], r[3]): int(r[4]) for r in data}
    assert by_metric[("بازدید کالا", traffic["variant"].product.slug)] == 5
    assert by_metric[("سفارش پرداخت‌شده", "")] == 1  # the cancelled one is not counted
    buyer = traffic["buyer"]
    for personal in ("رازقی", "نگار", buyer.email, str(buyer.mobile), traffic["kept"].number):
        assert personal not in body


def test_staff_home_links_the_dashboard(traffic):
    client = _staff("marketing")
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:analytics_dailycount_changelist") in html


def test_the_period_is_one_of_three(traffic):
    client = _staff("finance")
    for days in ("7", "90", "bogus"):
        assert (
            client.get(reverse("admin:analytics_dailycount_changelist"), {"days": days}).status_code
            == 200
        )


def test_campaign_results_are_counts_only(traffic):
    from metavast.marketing.models import Campaign

    campaign = Campaign.objects.create(name="حراج پاییزه", channel="sms", body_text="تخفیف")
    client = _staff("marketing")
    html = client.get(reverse("admin:analytics_dailycount_changelist")).content.decode()
    table = re.search(r'<table class="analytics-table">.*?</table>', html, re.S)
    assert table, "no campaign table"
    text = _visible_text(table.group(0))
    assert campaign.name in text
    for label in ("در صف", "فرستاده", "ناموفق", "لغو اشتراک"):
        assert label in text
    assert "۰" in text and LATIN_DIGIT.findall(text) == []
