"""A staff member signs in with password and TOTP at 1366 px, lands on the staff home, opens a
packing slip and makes backup codes. Screenshots: artifacts/staff-home-*.png."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from metavast.checkout.demo import seed_shipping
from metavast.core.text import to_ascii_digits
from metavast.orders.services import Receiver, order_mark_paid, order_start_processing
from metavast.orders.tests.factories import (
    PASSWORD,
    fill_cart,
    make_customer,
    make_variant,
    place,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN_DIGIT = re.compile(r"[0-9]")
PERMISSIONS = (
    "orders.view_order",
    "orders.change_order",
    "catalog.view_variant",
    "payments.view_payment",
    "staff.view_packing_slip",
    "staff.view_sales_aggregates",
)


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    # A code's 30-second step is accepted once; the test signs in and then confirms with the
    # app again within the same step, so forget the step used at sign-in.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_home_packing_slip_and_backup_codes_at_1366(new_browser_context, screenshot):
    seed_shipping()
    staff = make_customer(first_name="مریم", last_name="انباردار")
    staff.is_staff = True
    staff.is_superuser = False
    staff.save()
    for perm in PERMISSIONS:
        app, codename = perm.split(".")
        found = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        if found is not None:  # staff.* permissions come with the roles work
            staff.user_permissions.add(found)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)

    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (make_variant(title="فرش دستباف", price=32_200_000), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    order = order_mark_paid(order_id=order.pk, payment_id=1)
    order = order_start_processing(order=order, actor=staff)
    make_variant(title="قوری چینی", on_hand=1)

    context = new_browser_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto("/admin/")
    page.fill("input[name=username]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/staff/2fa/"))
    page.fill("input[name=token]", _code(device))
    page.click("form:has(input[name=token]) button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # The staff home: its cards read in Persian digits only.
    cards = page.locator(".staff-card")
    expect(cards.first).to_be_visible()
    keys = [cards.nth(i).get_attribute("data-card") for i in range(cards.count())]
    assert keys[:3] == ["to_ship", "awaiting_info", "payments"]
    assert "low_stock" in keys and "backup_codes" in keys
    text = page.locator(".staff-home").inner_text()
    assert not LATIN_DIGIT.search(text), text
    to_ship = page.locator('[data-card="to_ship"] .staff-line').first
    expect(to_ship.locator(".staff-line-value")).to_have_text("۱")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "staff-home-1-home")

    # The packing slip: the receiver's mobile reads 0935 … left to right, in Persian digits.
    page.goto(f"/admin/orders/order/{order.pk}/packing-slip/")
    phone = page.locator(".packing-slip bdi.phone")
    expect(phone).to_have_text("۰۹۳۵ ۱۲۳ ۴۵۶۷")
    assert phone.evaluate("e => getComputedStyle(e).direction") == "ltr"
    box = phone.bounding_box()
    first = phone.evaluate(
        "e => { const r = document.createRange(); r.setStart(e.firstChild, 0);"
        " r.setEnd(e.firstChild, 1); return r.getBoundingClientRect().x; }"
    )
    assert abs(first - box["x"]) < 2  # «۰» is the leftmost glyph: left to right
    screenshot(page, "staff-home-2-packing-slip")

    # Backup codes: the page, then ten codes shown once.
    page.goto("/accounts/staff/2fa/backup-codes/")
    expect(page.locator("h1")).to_have_text("کدهای پشتیبان ورود دومرحله‌ای")
    screenshot(page, "staff-home-3-backup-codes")
    page.fill("input[name=token]", _code(device))
    page.click("form:has(input[name=token]) button[type=submit]")
    codes = page.locator(".acc-backup-codes bdi")
    expect(codes).to_have_count(10)
    shown = codes.all_inner_texts()
    assert all(re.fullmatch(r"[۰-۹]{4} [۰-۹]{4} [۰-۹]{4}", c) for c in shown), shown
    assert StaticToken.objects.filter(device__user=staff).count() == 10
    screenshot(page, "staff-home-4-backup-codes-made")
    page.reload()
    expect(page.locator(".acc-backup-codes")).to_have_count(0)
    assert to_ascii_digits(shown[0]).replace(" ", "") not in page.content()
