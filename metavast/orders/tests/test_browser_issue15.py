"""Issue 15 (items 5 and 9) in a browser, on a 390 px phone and at 1366 px: the shipping step
with the other receiver named, option texts said once and a courier's day and time window;
the order page with its window, thumbnails, steps ahead and the RTL back arrow; cancelling
with a confirmation; a paid order's cancellation request and staff deciding it.
Screenshots go to artifacts/issue15-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from metavast.catalog.services import product_image_add
from metavast.catalog.tests.factories import image_upload
from metavast.checkout.demo import seed_shipping
from metavast.checkout.models import DeliveryWindow
from metavast.invoices.tests.factories import paid_order
from metavast.orders.models import CancellationRequest, Order, OrderStatus
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    method,
)
from metavast.orders.tests.test_browser import staff_cookie
from metavast.payments.models import Payment, PaymentStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_courier_window_receiver_and_order_page(
    size, media, screenshot, live_server, new_browser_context, browser_sign_in
):
    seed_shipping()
    courier = method("courier")
    courier.needs_delivery_window = True
    courier.save(update_fields=["needs_delivery_window"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    morning = DeliveryWindow.objects.create(
        method=courier, date=tomorrow, starts_at=dt.time(9), ends_at=dt.time(12), capacity=3
    )
    DeliveryWindow.objects.create(
        method=courier, date=tomorrow, starts_at=dt.time(17), ends_at=dt.time(20), capacity=1
    )
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    make_address(buyer, street="خیابان ولیعصر، کوچهٔ ۱۲")
    phone = make_variant(title="گوشی آزمایشی ۱۲۸ گیگابایت", price=9_800_000)
    product_image_add(product=phone.product, upload=image_upload(size=(120, 120), colour="teal"))
    fill_cart(buyer, (phone, 1), (make_variant(title="قاب گوشی", price=450_000), 2))

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

    page.goto("/checkout/address/")
    page.check("input[name=receiver_is_self][value='0']")
    page.fill("input[name=receiver_first_name]", "مریم")
    page.fill("input[name=receiver_last_name]", "کاظمی")
    page.fill("input[name=receiver_mobile]", "۰۹۳۵۱۱۱۲۲۳۳")
    page.get_by_role("button", name="ادامه: روش ارسال").click()
    page.wait_for_url("**/checkout/shipping/")

    expect(page.locator(".receiver-line")).to_contain_text("گیرنده: مریم کاظمی")
    expect(page.locator(".receiver-line")).to_contain_text("۰۹۳۵۱۱۱۲۲۳۳")
    tipax = page.locator("label.option", has_text="تیپاکس")
    assert tipax.inner_text().count("پرداخت در محل ممکن است") == 1
    page.check(f"input[name=method][value='{courier.pk}']")
    windows = page.locator(f".windows[data-method='{courier.pk}']")
    expect(windows).to_be_visible()
    expect(windows.locator(".window-choice")).to_have_count(2)
    expect(windows).to_contain_text("آخرین جا")
    page.check(f"input[name=window][value='{morning.pk}']")
    _no_sideways_scroll(page, width)
    screenshot(page, f"issue15-shipping-{size}")
    page.get_by_role("button", name="ادامه: بازبینی سفارش").click()
    page.wait_for_url("**/checkout/review/")
    expect(page.locator(".delivery-slot")).to_contain_text(morning.label)
    # Online payment; at the bank the customer changes their mind («انصراف»).
    page.locator("form.place-form button[type=submit]").click()
    page.wait_for_url("**/payments/sandbox/**")
    page.get_by_role("button", name="انصراف").click()
    page.wait_for_url("**/payments/callback/sandbox/**")

    order = Order.objects.get(user=buyer)
    page.goto(order.get_absolute_url())
    expect(page.locator(".delivery-slot")).to_contain_text(morning.label)
    # Steps ahead, greyed: payment, packing, shipping, delivery; the bank attempt shown.
    expect(page.locator(".timeline li.ahead")).to_have_count(4)
    expect(page.locator(".timeline li.ahead").first).to_contain_text("پرداخت")
    expect(page.locator(".timeline li.failed")).to_contain_text("پرداخت در درگاه بانک لغو شد")
    thumb = page.locator(".order-lines img.thumb").first
    expect(thumb).to_be_visible()
    assert page.evaluate("document.querySelector('.order-lines img.thumb').naturalWidth") > 0
    expect(page.locator("a.back-link").first).to_have_text("→ سفارش‌های من")
    _no_sideways_scroll(page, width)
    screenshot(page, f"issue15-order-{size}")

    # Cancelling asks first; the order stands until the customer confirms.
    page.get_by_role("link", name="لغو سفارش").click()
    page.wait_for_url(f"**/orders/{order.number}/cancel/")
    expect(page.get_by_role("button", name="بله، سفارش لغو شود")).to_be_visible()
    screenshot(page, f"issue15-cancel-confirm-{size}")
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    page.get_by_role("button", name="بله، سفارش لغو شود").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    expect(page.locator(".status-line .status")).to_have_text("لغوشده")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    morning.refresh_from_db()
    assert morning.booked == 0  # the cancelled order's place went back


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_paid_order_cancellation_request_and_staff_approval(
    size, screenshot, live_server, new_browser_context
):
    seed_shipping()
    buyer = make_customer(first_name="علی", last_name="رضایی")
    order = paid_order(buyer)
    payment = Payment.objects.create(
        order=order,
        gateway="sandbox",
        authority=f"b-{order.pk}",
        amount=order.total,
        status=PaymentStatus.PAID,
        card_pan="603799******4321",
    )
    Order.objects.filter(pk=order.pk).update(paid_payment_id=payment.pk)
    Payment.objects.create(  # an earlier attempt cancelled at the bank
        order=order,
        gateway="sandbox",
        authority=f"c-{order.pk}",
        amount=order.total,
        status=PaymentStatus.CANCELLED,
    )
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

    page.goto(order.get_absolute_url())
    expect(page.locator(".timeline li.failed")).to_contain_text("پرداخت در درگاه بانک لغو شد")
    page.get_by_role("link", name="لغو سفارش").click()
    refund = page.locator(".refund-facts")
    expect(refund).to_contain_text("تومان")
    expect(refund).to_contain_text("۶۰۳۷۹۹******۴۳۲۱")
    expect(refund).to_contain_text("تا ۳ روز کاری پس از تأیید درخواست")
    _no_sideways_scroll(page, SIZES[size]["width"])
    screenshot(page, f"issue15-cancel-request-{size}")
    page.get_by_role("button", name="ثبت درخواست لغو").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    expect(page.locator(".cancellation-pending")).to_contain_text("در حال بررسی")
    screenshot(page, f"issue15-cancel-pending-{size}")
    request = CancellationRequest.objects.get(order=order)

    # Staff (desktop) see the warning on the order and approve the request.
    staff = make_customer(is_staff=True, first_name="پشتیبان", last_name="یکم")
    staff_context = new_browser_context(viewport=SIZES["desktop"])
    staff_context.add_cookies([staff_cookie(staff, live_server.url)])
    admin_page = staff_context.new_page()
    admin_page.goto(f"/admin/orders/order/{order.pk}/cancel/")
    expect(admin_page.locator(".refund-warning")).to_contain_text("بازپرداخت")
    if size == "desktop":
        screenshot(admin_page, "issue15-staff-cancel-warning")
    admin_page.goto(f"/admin/orders/cancellationrequest/{request.pk}/change/")
    admin_page.get_by_role("link", name="تأیید و لغو سفارش").click()
    if size == "desktop":
        screenshot(admin_page, "issue15-staff-approve")
    admin_page.get_by_role("button", name="تأیید و لغو سفارش").click()
    expect(admin_page.locator(".messagelist")).to_contain_text("درخواست تأیید شد")
    order.refresh_from_db()
    assert (order.status, order.refund_due) == (OrderStatus.CANCELLED, True)
    page.reload()
    expect(page.locator(".status-line .status")).to_have_text("لغوشده")
    expect(page.locator("p.notice")).to_contain_text("بازگردانده می‌شود")
