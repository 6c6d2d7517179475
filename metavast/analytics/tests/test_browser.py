"""The dashboard in Chromium at 1366 px, for the marketing role: RTL, Persian, charts drawn
(screenshot artifacts/analytics-dashboard.png, looked at by hand)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from metavast.accounts.testing import verify_staff_client
from metavast.analytics import buffer
from metavast.analytics.services import analytics_fold, paid_orders_refresh
from metavast.catalog.services.misses import search_miss_record
from metavast.orders.models import Order
from metavast.orders.services.status import order_mark_paid
from metavast.orders.tests.factories import (  # noqa: F401  (shop: fixture)
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,
)
from metavast.staff.services import roles_sync, staff_role_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_ids = itertools.count(1)


def _seed(now: dt.datetime) -> None:
    rng = random.Random(13)
    variants = [
        make_variant(title=t, price=p, on_hand=500)
        for t, p in (
            ("قوری چدنی", 2_450_000),
            ("لیوان سفالی", 450_000),
            ("فرش دستباف", 9_800_000),
            ("کتری برقی", 1_750_000),
        )
    ]
    for back in range(20):
        for _ in range(rng.randint(0, 2)):
            buyer = make_customer()
            fill_cart(buyer, (rng.choice(variants), rng.randint(1, 3)))
            order = order_mark_paid(order_id=place(buyer).pk, payment_id=next(_ids))
            Order.objects.filter(pk=order.pk).update(paid_at=now - dt.timedelta(days=back, hours=1))
        ts = int((now - dt.timedelta(days=back)).timestamp())
        for n in range(rng.randint(20, 60)):
            v = rng.choice(variants)
            device = rng.choice(["phone", "phone", "phone", "desktop", "tablet"])
            referrer = rng.choice(["", "", "google.com", "instagram.com", "torob.com"])
            pairs = [["page_view", ""], ["product_view", v.product.slug]]
            if n % 4 == 0:
                pairs.append(["search", rng.choice(["قوری", "لیوان", "فرش کاشان", "کتری"])])
            buffer.push([ts, f"{back}-{n % 25}", device, referrer, pairs])
            if n % 5 == 0:
                buffer.push([ts, "", "", "", [["add_to_cart", ""]]])
            if n % 9 == 0:
                buffer.push([ts, "", "", "", [["checkout_step", "start"]]])
    analytics_fold()
    paid_orders_refresh(days=30, now=now)
    for q in ("سماور ذغالی", "سماور ذغالی", "ظرف مسی"):
        search_miss_record(query=q)


def test_dashboard_at_1366(shop, live_server, new_browser_context, screenshot):  # noqa: F811
    _seed(timezone.now())
    roles_sync()
    root = make_customer(is_staff=True)
    staff = staff_role_assign(user=make_customer(), role="marketing", actor=root)
    client = Client()
    client.force_login(staff)
    session = verify_staff_client(client, staff).session
    context = new_browser_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
    context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(reverse("admin:analytics_dailycount_changelist"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("آمار فروش و بازدید")
    expect(page.locator("svg.analytics-chart")).to_have_count(11)
    expect(page.locator(".analytics-totals")).to_contain_text("تومان")
    screenshot(page, "analytics-dashboard")
