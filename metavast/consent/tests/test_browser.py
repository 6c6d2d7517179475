"""Cookie consent in a phone-sized Chromium: before any choice the browser holds only
necessary cookies and storage entries; the banner appears only while a non-necessary feature is
registered, works with and without JavaScript, and the choice can be changed from the footer.
Screenshots: artifacts/consent-banner.png, artifacts/consent-settings.png."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from metavast.consent import cookie, registry
from metavast.consent.models import CookieCategory
from metavast.orders.tests.factories import make_variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ("/", "/search/?q=%DA%86%D8%B1%D8%A7%D8%BA", "/accounts/login/", "/cart/", "/consent/")


def session_storage(context, page) -> dict[str, str]:
    """sessionStorage through the DevTools protocol (storage_state() holds localStorage only;
    the store's CSP forbids eval, so no script reads it)."""
    cdp = context.new_cdp_session(page)
    cdp.send("DOMStorage.enable")
    origin = page.url.split("/", 3)
    answer = cdp.send(
        "DOMStorage.getDOMStorageItems",
        {"storageId": {"securityOrigin": f"{origin[0]}//{origin[2]}", "isLocalStorage": False}},
    )
    cdp.detach()
    return dict(answer["entries"])


def assert_only_necessary(context, page) -> None:
    cookies = context.cookies()
    names = sorted(c["name"] for c in cookies)
    assert all(registry.is_necessary_cookie(name) for name in names), names
    local = [item for o in context.storage_state()["origins"] for item in o["localStorage"]]
    assert local == [], local
    session = session_storage(context, page)
    assert all(registry.is_necessary_storage(key) for key in session), session


def visit_all(page, lamp) -> None:
    for url in (*PAGES, lamp.product.get_absolute_url()):
        page.goto(url)


def test_before_consent_only_necessary_cookies_and_storage_and_no_banner(page, browser_context):
    lamp = make_variant(title="چراغ مطالعه", price=1_850_000, on_hand=3)
    visit_all(page, lamp)
    # Adding to the cart makes a session (a necessary cookie), still nothing else.
    page.get_by_role("button", name="افزودن به سبد خرید").click()
    # Added in the page (htmx): a toast, no trip to the cart.
    expect(page.locator("#toast")).to_contain_text("به سبد خرید اضافه شد")
    expect(page.locator("#cookie-banner")).to_have_count(0)
    names = {c["name"] for c in browser_context.cookies()}
    assert settings.SESSION_COOKIE_NAME in names  # the probe does see cookies
    assert settings.CONSENT_COOKIE_NAME not in names
    assert_only_necessary(browser_context, page)
    # The sessionStorage probe does see entries: htmx's own, which is declared necessary.
    assert "htmx-current-path-for-history" in session_storage(browser_context, page)


@pytest.fixture
def visits_feature():
    feature = registry.register(
        registry.Feature(
            key="browser-test-visits",
            category=CookieCategory.ANALYTICS,
            label="آمار بازدید",
            purpose="شمارش کلی بازدید صفحه‌ها برای بهتر کردن فروشگاه، بی نام و نشانی",
            cookies=(registry.Item("_visits", "شمارش بازدید", "یک سال"),),
        )
    )
    yield feature
    registry.unregister(feature.key)


def test_banner_choice_with_javascript_then_change_from_the_footer(
    page, browser_context, screenshot, visits_feature
):
    lamp = make_variant(title="چراغ مطالعه", price=1_850_000, on_hand=3)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    visit_all(page, lamp)
    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("آمار بازدید")
    assert_only_necessary(browser_context, page)
    screenshot(page, "consent-banner")

    # htmx: the banner goes in place, the choice is in the necessary cookie.
    banner.get_by_role("button", name="فقط ضروری").click()
    expect(banner).to_have_count(0)
    choice_cookie = next(
        c for c in browser_context.cookies() if c["name"] == settings.CONSENT_COOKIE_NAME
    )
    assert choice_cookie["httpOnly"] is True
    assert cookie.decode(choice_cookie["value"]).granted == frozenset()
    page.reload()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert_only_necessary(browser_context, page)

    # Changed later from the footer link.
    page.get_by_role("link", name="تنظیمات کوکی").click()
    page.wait_for_url("**/consent/")
    box = page.locator("input[name=categories][value=analytics]")
    expect(box).not_to_be_checked()
    box.check()
    page.get_by_role("button", name="ذخیرهٔ انتخاب").click()
    page.wait_for_url("**/consent/")
    expect(page.locator(".messages")).to_contain_text("ذخیره شد")
    expect(page.locator("input[name=categories][value=analytics]")).to_be_checked()
    expect(page.locator("#category-analytics")).to_contain_text("اجازه داده‌اید")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "consent-settings")
    value = next(
        c["value"] for c in browser_context.cookies() if c["name"] == settings.CONSENT_COOKIE_NAME
    )
    assert cookie.decode(value).granted == {CookieCategory.ANALYTICS}
    assert errors == []


def test_banner_works_without_javascript(new_browser_context, visits_feature):
    context = new_browser_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto("/search/?q=x")
    page.locator("#cookie-banner").get_by_role("button", name="پذیرفتن همه").click()
    page.wait_for_url("**/search/?q=x")
    expect(page.locator("#cookie-banner")).to_have_count(0)
    value = next(c["value"] for c in context.cookies() if c["name"] == settings.CONSENT_COOKIE_NAME)
    assert cookie.decode(value).granted == {CookieCategory.ANALYTICS}
