"""Tried as a customer would, on a phone: pay an order in the sandbox bank, see it paid."""

from __future__ import annotations

import pytest

from metavast.orders.models import Order, OrderStatus
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.tests.conftest import place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_pay_an_order_in_the_sandbox_bank(page, browser_sign_in, screenshot, customer, variant):
    order = place_order(customer, variant)
    browser_sign_in(customer)

    page.goto(f"/orders/{order.number}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "payments-01-order-awaiting-payment")
    page.locator("form[action$='/start/'] button, form[action*='/payments/start/'] button").click()

    page.wait_for_url("**/payments/sandbox/**")
    bank = page.locator(".bank").inner_text()
    toman = f"{order.total // 10:,}".replace(",", "٬").translate(PERSIAN_DIGITS)
    assert "متاوست" in bank and toman in bank and "تومان" in bank
    amount = page.locator(".bank-amount").inner_text()
    assert amount == f"{toman} تومان" and not any(ch.isascii() and ch.isdigit() for ch in amount)
    screenshot(page, "payments-02-sandbox-bank")
    page.get_by_role("button", name="پرداخت", exact=True).click()

    page.wait_for_url("**/payments/callback/sandbox/**")
    result = page.locator(".result").inner_text()
    assert "پرداخت با موفقیت انجام شد" in result
    assert order.number.translate(PERSIAN_DIGITS) in result
    screenshot(page, "payments-03-result-paid")
    page.get_by_role("link", name="مشاهدهٔ سفارش").click()

    page.wait_for_url(f"**/orders/{order.number}/")
    assert "پرداخت‌شده" in page.locator(".status-line").inner_text()
    screenshot(page, "payments-04-order-paid")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Payment.objects.get().status == PaymentStatus.PAID


def test_cancel_in_the_sandbox_bank_offers_to_try_again(
    page, browser_sign_in, screenshot, customer, variant
):
    order = place_order(customer, variant)
    browser_sign_in(customer)
    page.goto(f"/orders/{order.number}/")
    page.locator("form[action*='/payments/start/'] button").click()
    page.wait_for_url("**/payments/sandbox/**")
    page.get_by_role("button", name="انصراف").click()
    page.wait_for_url("**/payments/callback/sandbox/**")
    assert "پرداخت لغو شد" in page.locator(".result").inner_text()
    screenshot(page, "payments-05-result-cancelled")
    page.get_by_role("button", name="تلاش دوباره").click()
    page.wait_for_url("**/payments/sandbox/**")
    assert Payment.objects.filter(order=order).count() == 2
