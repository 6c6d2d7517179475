"""Issue 15 (items 1 and 2) in a browser, on a 390 px phone and at 1366 px: prices with VAT on
the product page and in the cart, a discount code applied in the cart, the review page saying
«شامل … مالیات بر ارزش افزوده» without adding it, and paying exactly that in the sandbox bank.
Screenshots go to artifacts/issue15-vat-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from metavast.checkout.demo import seed_shipping
from metavast.core.money import format_toman
from metavast.core.vat import gross_amount
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import fill_cart, make_address, make_customer, make_variant
from metavast.promotions.models import DiscountCode
from metavast.promotions.tests.factories import make_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_code_in_the_cart_vat_included_at_checkout_and_paid(
    size, screenshot, live_server, new_browser_context
):
    seed_shipping()
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    make_address(buyer, street="خیابان ولیعصر")
    phone = make_variant(title="گوشی آزمایشی ۱۲۸ گیگابایت", price=9_800_000)
    case = make_variant(title="قاب گوشی", price=450_000)
    fill_cart(buyer, (phone, 1), (case, 2))
    make_code(code="YALDA10", percent=10, max_uses=5)

    context = new_browser_context(viewport=SIZES[size], device_scale_factor=1)
    page = context.new_page()
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(buyer)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    width = SIZES[size]["width"]

    # The product page shows the price with VAT: 9,800,000 Rials + 10 % = 1,078,000 Toman.
    page.goto(phone.product.get_absolute_url())
    expect(page.locator(".buybox .price, .price").first).to_contain_text("۱٬۰۷۸٬۰۰۰ تومان")
    screenshot(page, f"issue15-vat-product-{size}")

    page.goto("/cart/")
    subtotal = gross_amount(9_800_000, 1000) + gross_amount(900_000, 1000)
    expect(page.locator(".cart-summary")).to_contain_text(format_toman(subtotal))
    page.fill("#discount-code-input", "۱۰yalda")  # a wrong code first
    page.get_by_role("button", name="اعمال کد").click()
    expect(page.locator("body")).to_contain_text("کد تخفیف واردشده وجود ندارد")
    page.fill("#discount-code-input", "yalda۱۰")
    page.get_by_role("button", name="اعمال کد").click()
    expect(page.locator(".discount-applied")).to_contain_text("YALDA10")
    discount = subtotal // 10
    expect(page.locator(".discount-row")).to_contain_text(format_toman(discount))
    expect(page.locator(".cart-total")).to_contain_text(format_toman(subtotal - discount))
    _no_sideways_scroll(page, width)
    screenshot(page, f"issue15-vat-cart-{size}")

    page.get_by_role("link", name="ادامهٔ خرید").click()
    page.wait_for_url("**/checkout/address/")
    page.get_by_role("button", name="ادامه: روش ارسال").click()
    page.wait_for_url("**/checkout/shipping/")
    page.locator("input[name=method]").first.check()
    page.get_by_role("button", name="ادامه: بازبینی سفارش").click()
    page.wait_for_url("**/checkout/review/")
    totals = page.locator("dl.totals")
    expect(totals).to_contain_text("YALDA10")
    expect(totals.locator(".vat-note")).to_contain_text("شامل")
    expect(totals.locator(".vat-note")).to_contain_text("تومان مالیات بر ارزش افزوده")
    grand = page.locator("dl.totals .grand dd").inner_text()
    _no_sideways_scroll(page, width)
    screenshot(page, f"issue15-vat-review-{size}")

    page.locator("form.place-form button[type=submit]").click()
    page.wait_for_url("**/payments/sandbox/**")
    expect(page.locator(".bank-amount")).to_have_text(grand)
    screenshot(page, f"issue15-vat-bank-{size}")
    page.get_by_role("button", name="پرداخت", exact=True).click()
    page.wait_for_url("**/payments/callback/sandbox/**")
    expect(page.locator(".result")).to_contain_text("پرداخت با موفقیت انجام شد")

    order = Order.objects.get(user=buyer)
    assert order.status == OrderStatus.PAID and order.discount_code == "YALDA10"
    assert format_toman(order.total) == grand
    assert DiscountCode.objects.get(code="YALDA10").used_count == 1
