"""The Persian admin at 1366 px: order list and page, invoice list, audit list. Screenshots go
to artifacts/admin-fa-*.png; each page is also checked for English labels, Gregorian dates and
Latin-digit amounts with the walk's rules (test_admin_persian.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from metavast.audit.services import audit_record
from metavast.checkout.demo import seed_shipping
from metavast.core.tests.test_admin_persian import _problems
from metavast.orders.models import OrderStatus
from metavast.orders.services import Receiver, order_mark_paid, order_start_processing
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.orders.tests.test_browser import staff_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_pages_at_1366_are_persian(live_server, new_browser_context, screenshot):
    seed_shipping()
    staff = make_customer(is_staff=True, first_name="سارا", last_name="مدیری")
    buyer = make_customer(first_name="مریم", last_name="احمدی")
    fill_cart(buyer, (make_variant(title="فرش دستباف", price=3_220_000), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    order = order_mark_paid(order_id=order.pk, payment_id=1)
    order_start_processing(order=order, actor=staff)
    audit_record(action="orders.status_changed", actor=staff, subject=order)

    context = new_browser_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([staff_cookie(staff, live_server.url)])
    page = context.new_page()
    pages = {
        "orders": "/admin/orders/order/",
        "order": f"/admin/orders/order/{order.pk}/change/",
        "invoices": "/admin/invoices/invoice/",
        "audit": "/admin/audit/auditevent/",
    }
    for name, url in pages.items():
        page.goto(live_server.url + url)
        expect(page.locator("#content")).to_be_visible()
        screenshot(page, f"admin-fa-{name}")
        assert _problems(page.content()) == [], name
        # Nothing pushes the page sideways at 1366 px.
        width = page.locator("body").bounding_box()["width"]
        assert width <= 1366, (name, width)
    page.goto(live_server.url + pages["order"])
    expect(page.locator("body")).to_contain_text(OrderStatus.PROCESSING.label)
    expect(page.locator("body")).to_contain_text("پرداخت‌شده ← در حال آماده‌سازی")
