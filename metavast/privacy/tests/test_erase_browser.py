"""Part A2 in a phone-sized browser (390 px): the customer downloads their data after a
step-up, asks for erasure, cancels, asks again; after the grace period their invoice remains
and nothing else identifies them. Screenshots: artifacts/privacy-a2-*.png."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from metavast.accounts.models import Address, User, UserSession
from metavast.checkout.demo import seed_shipping
from metavast.invoices.models import Invoice
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import PASSWORD, make_customer
from metavast.privacy.models import ErasureRequest, ErasureStatus
from metavast.privacy.services.erasure import erasures_run_due
from metavast.privacy.tests._a2 import link_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_then_erase_cancel_erase_again(page, screenshot, live_server, browser_sign_in):
    seed_shipping()
    user = make_customer(first_name="مهسا", last_name="کریمی")
    order = paid_order(user)
    invoice = invoice_issue_for_order(order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.DELIVERED, delivered_at=timezone.now()
    )
    email, mobile = user.email, user.mobile
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Signed in earlier (a session cookie, no recent step-up).
    browser_sign_in(user)
    page.goto("/privacy/")

    # Download my data: a step-up first (the password again), then the request.
    page.get_by_role("link", name="دریافت داده‌های من").click()
    page.wait_for_url("**/accounts/verify/**")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[value=password]) button[type=submit]").click()
    page.wait_for_url("**/privacy/export/")
    page.get_by_test_id("export-request").click()
    page.wait_for_url("**/privacy/export/")
    expect(page.locator("[data-export-status=ready]")).to_be_visible()
    screenshot(page, "privacy-a2-export")

    token = link_token(user)
    with page.expect_download() as caught:
        # A navigation that ends in a download raises in goto; the download is what counts.
        try:
            page.goto(f"/privacy/export/download/{token}/")
        except Exception as exc:
            assert "Download is starting" in str(exc)
    archive = zipfile.ZipFile(io.BytesIO(Path(caught.value.path()).read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == email
    assert [o["number"] for o in data["orders"]] == [order.number]
    readable = archive.read("index.html").decode("utf-8")
    # The same link a second time: refused, in Persian.
    page.goto(f"/privacy/export/download/{token}/")
    expect(page.get_by_role("alert")).to_contain_text("یک بار دریافت شده")

    # The readable page inside the ZIP, as the customer's browser shows it.
    page.goto("about:blank")  # outside the shop's origin: the file is opened from disk
    page.set_content(readable)
    expect(page.locator("html[dir=rtl]")).to_have_count(1)
    expect(page.get_by_role("heading", name="نمایه")).to_be_visible()
    screenshot(page, "privacy-a2-export-html")

    # Erase: ask, cancel, ask again (the step-up is still fresh).
    page.goto("/privacy/erase/")
    page.get_by_test_id("erase-request").click()
    expect(page.get_by_test_id("erase-pending")).to_be_visible()
    screenshot(page, "privacy-a2-erase-pending")
    page.get_by_test_id("erase-cancel").click()
    expect(page.get_by_test_id("erase-request")).to_be_visible()
    assert ErasureRequest.objects.get(user=user).status == ErasureStatus.CANCELLED
    page.get_by_test_id("erase-request").click()
    expect(page.get_by_test_id("erase-pending")).to_be_visible()
    screenshot(page, "privacy-a2-erase-again")

    # After the grace period: the invoice remains, nothing else identifies them.
    assert erasures_run_due(now=timezone.now() + dt.timedelta(days=7, minutes=1)) == 1
    tombstone = User.objects.get(pk=user.pk)
    assert not tombstone.is_active and tombstone.first_name == "" and tombstone.mobile == ""
    assert User.objects.by_mobile(mobile).count() == 0
    assert User.objects.by_email(email).count() == 0
    assert not Address.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    kept = Invoice.objects.get(pk=invoice.pk)
    assert kept.total == invoice.total and kept.buyer_json == invoice.buyer_json
    assert Order.objects.get(pk=order.pk).street == ""
    page.goto("/privacy/")
    page.wait_for_url("**/accounts/login/**")
    screenshot(page, "privacy-a2-after-erasure")
    # The one expected console error: the refused second download answers 409.
    assert [e for e in errors if "409" not in e] == []
