"""Tried as a new customer would, on a phone: sign up, confirm, addresses, sessions."""

import re

import pytest
from playwright.sync_api import expect

from metavast.accounts.tests.conftest import last_code, last_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
PASSWORD = "tulip-harbour-9318"


def test_new_customer_signs_up_confirms_contacts_adds_address_and_ends_a_session(
    page, screenshot, new_browser_context
):
    # Sign up with a mobile typed in Persian digits.
    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#id_mobile", "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    screenshot(page, "accounts-01-signup")
    page.get_by_role("button", name="دریافت کد").click()
    page.wait_for_url("**/accounts/login/code/")

    # Read the code from the SMS outbox and confirm the mobile.
    page.fill("#id_code", last_code("+989121234567"))
    screenshot(page, "accounts-02-code")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url("**/accounts/welcome/**")

    # Name and a password.
    page.fill("#id_first_name", "سارا")
    page.fill("#id_last_name", "احمدی")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    screenshot(page, "accounts-03-welcome")
    page.get_by_role("button", name="ذخیره").click()
    page.wait_for_url("**/accounts/")
    assert "تأییدشده در" in page.content()

    # Add an email and confirm it from the email sink (the outbox).
    page.click(".acc-contacts a[href='/accounts/email/']")
    page.wait_for_url("**/accounts/email/")
    page.fill("#id_email", "sara@example.com")
    page.get_by_role("button", name="ذخیره").click()
    page.wait_for_url("**/accounts/")
    assert "در انتظار تأیید" in page.content()
    screenshot(page, "accounts-04-email-waiting")
    page.goto(last_link("sara@example.com"))
    page.get_by_role("button", name="تأیید این ایمیل").click()
    page.wait_for_url("**/accounts/")
    body = page.locator(".acc-contacts").inner_text()
    assert "sara@example.com" in body
    assert body.count("تأییدشده در") == 2
    screenshot(page, "accounts-05-contacts-confirmed")

    # An address for someone else; the city list follows the province (htmx).
    page.goto("/accounts/addresses/new/")
    page.fill("#id_label", "خانهٔ مادر")
    page.select_option("#id_province", "isfahan")
    page.wait_for_selector("#id_city option[value='کاشان']", state="attached")
    page.select_option("#id_city", "کاشان")
    page.fill("#id_street", "خیابان امیرکبیر")
    page.fill("#id_alley", "کوچهٔ گلستان")
    page.fill("#id_plaque", "۱۲")
    page.fill("#id_postal_code", "۸۷۱۳۷۶۵۴۳۱")
    page.check("input[name=receiver_is_self][value='0']")
    page.fill("#id_receiver_first_name", "مریم")
    page.fill("#id_receiver_last_name", "کریمی")
    page.fill("#id_receiver_mobile", "۰۹۱۳ ۱۱۱ ۲۲۳۳")
    screenshot(page, "accounts-06-address-form")
    page.get_by_role("button", name="ذخیرهٔ نشانی").click()
    page.wait_for_url("**/accounts/addresses/")
    assert "مریم کریمی" in page.content()
    screenshot(page, "accounts-07-addresses")

    # Another device signs in with the password.
    other = new_browser_context(user_agent=DESKTOP_UA).new_page()
    other.goto("/accounts/login/")
    other.fill("#id_username", "09121234567")
    other.fill("#id_password", PASSWORD)
    other.locator("form", has=other.locator("#id_password")).get_by_role("button").click()
    other.wait_for_url("**/accounts/")

    # The sessions page shows both; sign the other one out.
    page.goto("/accounts/sessions/")
    expect(page.locator("li.acc-session")).to_have_count(2)
    assert "Windows" in page.content()
    screenshot(page, "accounts-08-sessions")
    other_row = page.locator("li.acc-session", has_text="Windows")
    other_row.get_by_role("button").click()
    # The form posts back to this same address: wait for the list, not for the URL.
    expect(page.locator("li.acc-session")).to_have_count(1)
    expect(page.locator("li.acc-session", has_text="Windows")).to_have_count(0)
    screenshot(page, "accounts-09-session-ended")

    other.goto("/accounts/")
    assert re.search(r"/accounts/login/", other.url)
