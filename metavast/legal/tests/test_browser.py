"""The register as a legal officer sees it at 1366 px, and the public transparency page.
Screenshots go to artifacts/legal-*.png."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from metavast.accounts.testing import verify_staff_client
from metavast.legal.models import DisclosureRequest, DisclosureStatus
from metavast.legal.services import disclosure_submit
from metavast.legal.tests.factories import make_officer, make_request
from metavast.orders.tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN = re.compile(r"[0-9]|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


def _staff_cookie(staff, url: str) -> dict:
    client = Client()
    client.force_login(staff)
    session = verify_staff_client(client, staff).session
    return {"name": "sessionid", "value": session.session_key, "url": url}


def test_officer_sees_the_register_in_persian(live_server, new_browser_context, screenshot):
    first = make_officer(first_name="مریم")
    second = make_officer(first_name="حسین")
    customer = make_customer(first_name="رضا", last_name="کریمی")
    request = make_request(officer=first, customers=[str(customer.pk)])
    disclosure_submit(request_id=request.pk, actor=first)
    make_request(officer=second, customers=[customer.email], authority_type="tax")

    context = new_browser_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([_staff_cookie(second, live_server.url)])
    page = context.new_page()

    page.goto("/admin/legal/disclosurerequest/add/")
    expect(page.get_by_role("button", name="ثبت پیش‌نویس")).to_be_visible()
    screenshot(page, "legal-0-add")

    page.goto("/admin/legal/disclosurerequest/")
    expect(page.locator("#result_list")).to_be_visible()
    screenshot(page, "legal-1-register-list")
    table = page.locator("#result_list").inner_text()
    assert "در انتظار تأیید افسر دوم" in table and "پیش‌نویس" in table
    assert not LATIN.search(table), table
    width = page.locator("#result_list").evaluate("t => t.getBoundingClientRect().width")
    assert width <= 1366
    assert page.locator("html").get_attribute("dir") == "rtl"

    page.goto(f"/admin/legal/disclosurerequest/{request.pk}/change/")
    expect(page.get_by_role("link", name="تأیید (افسر دوم)")).to_be_visible()
    screenshot(page, "legal-2-request")
    page.get_by_role("link", name="تأیید (افسر دوم)").click()
    page.get_by_role("button", name="تأیید").click()
    expect(page.locator(".messagelist")).to_contain_text("تأیید شد")
    screenshot(page, "legal-3-approved")
    assert DisclosureRequest.objects.get(pk=request.pk).status in {
        DisclosureStatus.APPROVED,
        DisclosureStatus.PACKAGE_READY,
    }

    public = new_browser_context(viewport={"width": 1366, "height": 900}).new_page()
    public.goto("/legal/transparency/")
    expect(public.locator("h1")).to_contain_text("گزارش شفافیت")
    screenshot(public, "legal-4-transparency")
    assert "کریمی" not in public.content()
