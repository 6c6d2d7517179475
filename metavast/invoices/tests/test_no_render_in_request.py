"""Issue 15, item 11: no slow work inside a request, under the embedded default too.

The bank's return (the payment callback) pays the order, which issues the invoice and makes
its PDF; neither may run in the request: WeasyPrint is spied on (a wrapper that records which
thread called it), the database is the real one, and the embedded default's background
threads are on (EMBEDDED_BACKGROUND_TASKS, as `make run` has it). Until the PDF is stored the
invoice link answers «در حال آماده‌سازی» and queues the render; it never renders in place.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client

from metavast.core import background
from metavast.invoices.models import Invoice
from metavast.orders.models import OrderStatus
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place
from metavast.payments.models import Payment
from metavast.payments.tests.conftest import logged_in, start_payment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def weasyprint_calls(monkeypatch):
    """(thread id, seconds) of every PDF WeasyPrint writes; the real WeasyPrint runs."""
    from weasyprint import HTML

    calls: list[tuple[int, float]] = []
    real = HTML.write_pdf

    def spy(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return real(self, *args, **kwargs)
        finally:
            calls.append((threading.get_ident(), time.perf_counter() - started))

    monkeypatch.setattr(HTML, "write_pdf", spy)
    return calls


@pytest.fixture
def embedded(settings, tmp_path):
    """The embedded default: tasks queued after commit run on background threads."""
    settings.EMBEDDED_BACKGROUND_TASKS = True
    settings.INVOICE_PDF_ON_ISSUE = True
    settings.SANDBOX_GATEWAY_ENABLED = True
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    yield
    assert background.wait_idle(60)


def _paid_through_the_sandbox(shop_user):
    from metavast.checkout.demo import seed_shipping

    seed_shipping()
    fill_cart(shop_user, (make_variant(price=2_400_000), 1))
    order = place(shop_user)
    response, payment = start_payment(shop_user, order, gateway="sandbox")
    bank = Client()
    back = bank.post(response["Location"], {"action": "pay"})
    return order, payment, back["Location"]


def test_bank_return_does_not_render_the_invoice_pdf_in_the_request(embedded, weasyprint_calls):
    buyer = make_customer()
    order, payment, callback_url = _paid_through_the_sandbox(buyer)
    request_thread = threading.get_ident()

    started = time.perf_counter()
    result = Client().get(callback_url)
    elapsed = time.perf_counter() - started

    in_request = [c for c in weasyprint_calls if c[0] == request_thread]
    assert result.status_code == 200
    assert "پرداخت با موفقیت انجام شد" in result.content.decode()
    assert in_request == []  # not one PDF written by the request's thread
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    # The background threads finish the job: the invoice is issued and its PDF stored.
    assert background.wait_idle(60)
    invoice = Invoice.objects.get(order=order)
    assert invoice.pdf_name
    assert weasyprint_calls and all(c[0] != request_thread for c in weasyprint_calls)
    render_s = max(c[1] for c in weasyprint_calls)
    print(
        f"\nbank return answered in {elapsed * 1000:.0f} ms; the PDF took {render_s * 1000:.0f} ms"
    )
    print("  on a background thread, after the answer")
    assert order.__class__.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_invoice_link_says_preparing_until_the_pdf_is_stored(embedded, weasyprint_calls, settings):
    from metavast.checkout.demo import seed_shipping
    from metavast.invoices.services import invoice_issue_for_order
    from metavast.invoices.tests.factories import paid_order

    seed_shipping()
    settings.INVOICE_PDF_ON_ISSUE = False  # nothing queued at issue: the first look queues it
    buyer = make_customer()
    invoice = invoice_issue_for_order(order_id=paid_order(buyer).pk)
    client = logged_in(buyer)
    request_thread = threading.get_ident()

    page = client.get(invoice.order.get_absolute_url()).content.decode()
    assert "فایل PDF در حال آماده‌سازی" in page
    first = client.get(f"/invoices/{invoice.pk}/pdf/")

    assert first.status_code == 202
    assert first["Retry-After"] == "3"
    assert "فاکتور در حال آماده‌سازی" in first.content.decode()
    assert [c for c in weasyprint_calls if c[0] == request_thread] == []
    assert background.wait_idle(60)
    ready = client.get(f"/invoices/{invoice.pk}/pdf/")
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready.content.startswith(b"%PDF")
    assert len(weasyprint_calls) == 1  # one render, in the background
    assert (
        "فایل PDF در حال آماده‌سازی"
        not in client.get(invoice.order.get_absolute_url()).content.decode()
    )
