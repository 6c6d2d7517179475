"""Support at 1366 px: a customer's page without contacts, the reveal with a typed reason, and
the access history that shows it. Screenshots go to artifacts/staff-roles-*.png."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from metavast.orders.tests.factories import make_customer
from metavast.orders.tests.test_browser import staff_cookie
from metavast.staff.services import roles_sync, staff_role_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = f"/{settings.ADMIN_PATH}"
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_support_reveals_contacts_with_a_reason_and_sees_it_in_their_history(
    live_server, new_browser_context, screenshot
):
    roles_sync()
    root = make_customer(is_staff=True, email="root@example.com")
    support = staff_role_assign(
        user=make_customer(email="support@example.com", first_name="پشتیبان", last_name="یکم"),
        role="support",
        actor=root,
    )
    buyer = make_customer(first_name="ژاله", last_name="کریمی", email="zhaleh@example.com")
    context = new_browser_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([staff_cookie(support, live_server.url)])
    page = context.new_page()

    page.goto(f"{ADMIN}/accounts/user/{buyer.pk}/change/")
    expect(page.get_by_role("link", name="نمایش با نوشتن دلیل")).to_be_visible()
    assert "zhaleh@example.com" not in page.content() and "کریمی" not in page.content()
    screenshot(page, "staff-roles-1-customer-masked")

    page.get_by_role("link", name="نمایش با نوشتن دلیل").click()
    page.get_by_label("دلیل دیدن اطلاعات تماس").fill("تیکت ۴۵۶: مشتری نشانی ایمیلش را نمی‌داند")
    page.get_by_role("button", name="نمایش اطلاعات تماس").click()
    expect(page.locator("table.reveal-contacts")).to_contain_text("zhaleh@example.com")
    screenshot(page, "staff-roles-2-revealed")

    page.goto(f"{ADMIN}/staff/staffrole/access-history/")
    table = page.locator("#access-history")
    expect(table).to_contain_text("تیکت ۴۵۶: مشتری نشانی ایمیلش را نمی‌داند")
    screenshot(page, "staff-roles-3-access-history")
    # The page's own words are Persian (the subject column names a model: a code, kept ltr).
    header = page.locator("#access-history thead").inner_text()
    assert not LATIN_WORD.search(header)
    assert page.locator("html").get_attribute("dir") == "rtl"
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366


def test_admin_role_assigns_a_role_on_the_persian_screen(
    live_server, new_browser_context, screenshot
):
    roles_sync()
    root = make_customer(is_staff=True, email="root@example.com")
    manager = staff_role_assign(
        user=make_customer(email="manager@example.com", first_name="مدیر", last_name="فروشگاه"),
        role="admin",
        actor=root,
    )
    make_customer(email="new.clerk@example.com", first_name="کارمند", last_name="تازه")
    context = new_browser_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([staff_cookie(manager, live_server.url)])
    page = context.new_page()

    page.goto(f"{ADMIN}/staff/staffrole/")
    screenshot(page, "staff-roles-4-role-list")
    page.get_by_role("link", name="دادن و گرفتن نقش").click()
    page.get_by_label("ایمیل کارمند").fill("new.clerk@example.com")
    page.get_by_label("نقش").select_option("warehouse")
    page.get_by_role("button", name="ثبت").click()

    expect(page.locator("#staff-roles")).to_contain_text("new.clerk@example.com")
    expect(page.locator("#staff-roles")).to_contain_text("انبار و ارسال")
    screenshot(page, "staff-roles-5-assigned")
