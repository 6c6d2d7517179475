"""The purchase path in a phone-sized browser: guest cart, sign in, two products, checkout to
another person, the sandbox bank, the order timeline; then staff ask for information, the
customer answers, staff ship it. Screenshots go to artifacts/orders-*.png."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from metavast.accounts.testing import verify_staff_client
from metavast.checkout.demo import seed_shipping
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import PASSWORD, make_customer, make_variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_cookie(staff, live_server_url: str) -> dict:
    """Staff use their own browser context, so not `browser_sign_in`: a session that has
    also passed two-factor, as the admin requires."""
    client = Client()
    client.force_login(staff)
    session = verify_staff_client(client, staff).session
    return {"name": "sessionid", "value": session.session_key, "url": live_server_url}


def test_buy_for_another_person_then_info_request_and_shipping(
    page, screenshot, live_server, new_browser_context
):
    seed_shipping()
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    staff = make_customer(is_staff=True, first_name="انباردار", last_name="یکم")
    lamp = make_variant(title="چراغ مطالعهٔ رومیزی", price=1_850_000, on_hand=4)
    book = make_variant(title="کتاب بوف کور", price=420_000, on_hand=9)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # A guest puts the lamp in the cart, then signs in: the cart follows.
    page.goto(lamp.product.get_absolute_url())
    page.get_by_role("button", name="افزودن به سبد خرید").click()
    # Added in the page (htmx): a toast, no trip to the cart.
    expect(page.locator("#toast")).to_contain_text("به سبد خرید اضافه شد")
    page.goto("/accounts/login/?next=/cart/")
    page.fill("input[name=username]", buyer.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[value=password]) button[type=submit]").click()
    page.wait_for_url("**/cart/")
    page.goto(book.product.get_absolute_url())
    page.get_by_role("button", name="افزودن به سبد خرید").click()
    expect(page.locator("#toast")).to_contain_text("به سبد خرید اضافه شد")
    page.goto("/cart/")
    expect(page.locator(".cart-line")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "orders-1-cart")

    # Checkout: a new address, received by another person.
    page.get_by_role("link", name="ادامهٔ خرید").click()
    page.wait_for_url("**/checkout/address/")
    page.select_option("select[name=province]", "tehran")
    # The city list follows the province (htmx): wait for Tehran's cities to be there.
    page.locator("select[name=city] option[value='تهران']").wait_for(state="attached")
    page.select_option("select[name=city]", "تهران")
    page.fill("input[name=street]", "خیابان ولیعصر، بالاتر از پارک ساعی")
    page.fill("input[name=plaque]", "۱۲")
    page.fill("input[name=postal_code]", "۱۱۹۳۶۵۳۴۷۱")
    page.check("input[name=receiver_is_self][value='0']")
    page.fill("input[name=receiver_first_name]", "مریم")
    page.fill("input[name=receiver_last_name]", "کاظمی")
    page.fill("input[name=receiver_mobile]", "۰۹۳۵۱۱۱۲۲۳۳")
    screenshot(page, "orders-2-address")
    page.get_by_role("button", name="ادامه: روش ارسال").click()
    page.wait_for_url("**/checkout/shipping/")
    page.check("input[name=method] >> nth=0")
    screenshot(page, "orders-3-shipping")
    page.get_by_role("button", name="ادامه: بازبینی سفارش").click()
    page.wait_for_url("**/checkout/review/")
    assert "مریم کاظمی" in page.content()
    assert "مالیات بر ارزش افزوده (۱۰٪)" in page.content()
    screenshot(page, "orders-4-review")

    # Pay in the sandbox bank (the pay page sends us there by itself).
    page.locator("form.place-form button[type=submit]").click()
    page.wait_for_url("**/payments/sandbox/**")
    screenshot(page, "orders-5-bank")
    page.get_by_role("button", name="پرداخت", exact=True).click()
    page.wait_for_url("**/payments/callback/sandbox/**")
    expect(page.locator(".result")).to_contain_text("پرداخت با موفقیت انجام شد")
    screenshot(page, "orders-6-paid")
    order = Order.objects.get(user=buyer)
    assert order.status == OrderStatus.PAID
    assert not order.receiver_is_self and order.receiver_mobile == "+989351112233"

    page.goto(f"/orders/{order.number}/")
    expect(page.locator(".timeline li:not(.ahead)")).to_have_count(2)
    screenshot(page, "orders-7-timeline")

    # Staff ask for information (in their own browser, signed in with two-factor).
    staff_context = new_browser_context(viewport={"width": 1200, "height": 900})
    staff_context.add_cookies([staff_cookie(staff, live_server.url)])
    admin = staff_context.new_page()
    admin.goto(f"/admin/orders/order/{order.pk}/change/")
    admin.get_by_role("link", name="درخواست اطلاعات").click()
    admin.check("input[name=fields_][value=postal_code]")
    admin.fill("textarea[name=message]", "کد پستی با نشانی نمی‌خواند؛ لطفاً کد درست را بنویسید.")
    admin.get_by_role("button", name="فرستادن درخواست").click()
    admin.wait_for_url(f"**/admin/orders/order/{order.pk}/change/")
    screenshot(admin, "orders-8-staff-requested")

    # The customer answers on the order page.
    page.reload()
    assert "کد پستی با نشانی نمی‌خواند" in page.content()
    screenshot(page, "orders-9-info-request")
    page.fill("input[name=postal_code]", "۸۷۱۵۸۷۹۸۷۸")
    page.get_by_role("button", name="فرستادن پاسخ").click()
    # The answer posts to the same address: wait for the page it leads to, not for the URL.
    expect(page.locator(".messages")).to_contain_text("پاسخ شما ثبت شد")
    expect(page.locator("#info-request")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING and order.postal_code == "8715879878"

    # Staff open the packing slip (audited) and ship it.
    admin.goto(f"/admin/orders/order/{order.pk}/packing-slip/")
    assert "مریم کاظمی" in admin.content()
    screenshot(admin, "orders-10-packing-slip")
    admin.goto(f"/admin/orders/order/{order.pk}/ship/")
    admin.fill("input[name=tracking_code]", "TPX-20931")
    admin.get_by_role("button", name="ثبت ارسال").click()
    admin.wait_for_url(f"**/admin/orders/order/{order.pk}/change/")

    page.reload()
    expect(page.locator(".tracking")).to_contain_text("TPX-20931")
    assert page.locator(".timeline li:not(.ahead)").count() >= 5
    screenshot(page, "orders-11-shipped")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert not [e for e in errors if "Content Security Policy" in e], errors
