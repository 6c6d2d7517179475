"""Tried as a customer would: pay an order in the sandbox bank, download its invoice, and
look at the PDF (page 1 rendered to artifacts/invoice-browser-page1.png)."""

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from metavast.core.text import to_persian_digits
from metavast.invoices.models import Invoice
from metavast.invoices.tests.factories import save_first_page_png
from metavast.payments.tests.conftest import place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pay_then_download_the_invoice(
    page,
    browser_sign_in,
    screenshot,
    customer,
    variant,
    settings,
    tmp_path,
):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    order = place_order(customer, variant)
    browser_sign_in(customer)
    page.goto(f"/orders/{order.number}/")
    assert "فاکتور رسمی پس از پرداخت صادر می‌شود" in page.content()
    page.locator("form[action*='/payments/start/'] button").click()
    page.wait_for_url("**/payments/sandbox/**")
    page.get_by_role("button", name="پرداخت", exact=True).click()
    page.wait_for_url("**/payments/callback/sandbox/**")
    expect(page.locator(".result")).to_contain_text("پرداخت با موفقیت انجام شد")
    page.goto(f"/orders/{order.number}/")

    link = page.locator(".invoices a").first
    expect(link).to_contain_text("فاکتور فروش")
    invoice = Invoice.objects.get(order=order)
    screenshot(page, "invoice-01-order-with-invoice")
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "invoice.pdf"
    download_info.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    # The order number is shown with Persian digits; the Moadian tax id stays an official code.
    assert invoice.tax_id in text and to_persian_digits(order.number) in text

    save_first_page_png(path, "invoice-browser-page1")
