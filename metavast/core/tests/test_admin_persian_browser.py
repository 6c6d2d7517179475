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


def test_selector_counter_and_form_errors_are_persian(live_server, new_browser_context, screenshot):
    """QA 3, items 7 and 8: the two-box selector, the action counter and the error banner."""
    seed_shipping()
    staff = make_customer(is_staff=True, first_name="سارا", last_name="مدیری")
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    context = new_browser_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([staff_cookie(staff, live_server.url)])
    page = context.new_page()

    # A changelist: «۰ از ۴ برگزیده شده», then «۱ از ۴» after ticking a row.
    page.goto(live_server.url + "/admin/checkout/shippingmethod/")
    counter = page.locator(".action-counter")
    expect(counter).to_contain_text("برگزیده شده")
    assert not any(ch.isascii() and ch.isdigit() for ch in counter.inner_text())
    page.locator("input.action-select").first.check()
    expect(counter).to_contain_text("۱ از")
    screenshot(page, "admin-fa-counter")

    # The two-box selector of a group's permissions.
    page.goto(live_server.url + "/admin/auth/group/add/")
    selector = page.locator(".selector").first
    expect(selector).to_contain_text("افزودن همهٔ")
    expect(selector).to_contain_text("برداشتن همهٔ")
    expect(page.locator("#id_permissions_from")).to_contain_text("افزودن گروه")
    assert "Choose" not in selector.inner_text()
    assert "Can " not in page.locator("#id_permissions_from").inner_text()
    screenshot(page, "admin-fa-selector")

    # An add form with an error: a Gregorian date in the Jalali delivery-window date.
    from metavast.checkout.models import ShippingMethod

    ShippingMethod.objects.filter(code="courier").update(needs_delivery_window=True)
    courier = ShippingMethod.objects.get(code="courier")
    page.goto(live_server.url + "/admin/checkout/deliverywindow/add/")
    page.select_option("#id_method", str(courier.pk))
    page.fill("#id_date", "2026-12-20")
    page.fill("#id_starts_at", "10")
    page.fill("#id_ends_at", "12")
    page.fill("#id_capacity", "٥")
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote")).to_have_text("لطفاً خطای زیر را برطرف کنید.")
    expect(page.locator(".field-date .errorlist")).to_contain_text("میلادی")
    expect(page.locator("#id_date")).to_have_value("2026-12-20")
    screenshot(page, "admin-fa-form-error")
    assert "Please correct" not in page.content()
