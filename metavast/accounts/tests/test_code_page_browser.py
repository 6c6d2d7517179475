"""On a 390 px phone: the SMS code page counts down to the resend and enables it, «ویرایش
شماره» goes back; the profile's name and national-code errors; an HTML email as a mail
client shows it. Screenshots: artifacts/accounts-code-*.png, -profile-errors, -email-*."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from metavast.accounts.tests.conftest import make_user
from metavast.notifications import rendering

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_code_page_countdown_enables_resend_and_edits_number(page, screenshot, settings):
    settings.OTP_CODE_TTL_SECONDS = 120
    settings.OTP_RESEND_COOLDOWN_SECONDS = 4
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/accounts/login/?next=/checkout/")
    page.fill("#id_mobile", "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    page.get_by_role("button", name="دریافت کد").click()
    page.wait_for_url("**/accounts/login/code/")

    expect(page.locator(".acc-code-life")).to_contain_text("این کد ۲ دقیقه پس از ارسال")
    resend = page.get_by_role("button", name="ارسال دوبارهٔ کد")
    expect(resend).to_be_disabled()
    left = page.locator("[data-timer-left]")
    expect(left).to_have_text(re.compile(r"^[۰-۹]:[۰-۵][۰-۹]$"))  # «۰:۰۴», counted by the script
    screenshot(page, "accounts-code-1-waiting")
    expect(resend).to_be_enabled()  # the countdown reached zero
    expect(page.locator(".acc-timer")).to_have_text("اگر کد نرسید، کد تازه بخواهید.")
    screenshot(page, "accounts-code-2-resend")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="ویرایش شماره").click()
    page.wait_for_url("**/accounts/login/?next=%2Fcheckout%2F")
    expect(page.locator("#id_mobile")).to_be_visible()
    assert errors == []  # no CSP refusal of the script


def test_profile_errors_on_a_phone(page, screenshot, live_server, browser_context):
    user = make_user()
    client = Client()
    client.force_login(user)
    browser_context.add_cookies(
        [{"name": "sessionid", "value": client.session.session_key, "url": live_server.url}]
    )
    page.goto("/accounts/profile/?next=/checkout/")
    page.get_by_role("button", name="ذخیره و ادامه").click()
    expect(page.get_by_text("نام را بنویسید.", exact=True)).to_be_visible()
    expect(page.get_by_text("نام خانوادگی را بنویسید.", exact=True)).to_be_visible()
    page.fill("#id_first_name", "سارا😀")
    page.fill("#id_last_name", "احمدی")
    page.fill("#id_national_code", "۰۰۱۰۳۵۰۸۲۸")
    page.get_by_role("button", name="ذخیره و ادامه").click()
    expect(page.get_by_text(re.compile("«😀» پذیرفته نیست"))).to_be_visible()
    expect(page.get_by_text(re.compile("رقم کنترل این کد ملی درست نیست"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "accounts-profile-errors")
    user.refresh_from_db()
    assert user.first_name == ""


@pytest.mark.parametrize("width", [390, 1366])
def test_html_email_reads_right_to_left(page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    rendered = rendering.render(
        "accounts/email_confirm",
        "email",
        {"link": "https://metavast.ir/accounts/email/confirm/gAAAAABn-opaque-token/", "hours": 48},
    )
    page.set_content(rendered.html)
    body = page.locator("body")
    assert body.evaluate("el => getComputedStyle(el).direction") == "rtl"
    button = page.get_by_role("link", name="تأیید این ایمیل")
    expect(button).to_be_visible()
    expect(page.get_by_text(re.compile("تا ۴۸ ساعت معتبر است"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"accounts-email-confirm-{width}")
    rendered = rendering.render(
        "orders/shipped", "email", {"order_number": "MV-40079888", "tracking_code": "TRK42"}
    )
    page.set_content(rendered.html)
    expect(page.get_by_text(re.compile("۴۰۰۷۹۸۸۸"))).to_be_visible()
    screenshot(page, f"accounts-email-shipped-{width}")
