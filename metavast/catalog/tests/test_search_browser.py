"""Search on a phone: a cross-script query, a corrected typo and an empty result, as a
shopper sees them (screenshots in artifacts/)."""

import pytest
from playwright.sync_api import expect

from metavast.catalog import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", 72)
    demo.seed_catalog()


def search_for(page, text: str) -> None:
    page.goto("/")
    page.fill("#q", text)
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search/**")


def test_search_pages_on_a_phone(page, screenshot, demo_store):
    # Persian script for a Latin model name: «گلکسی» finds "Galaxy", no "did you mean"
    search_for(page, "گلکسی")
    expect(page.locator("h1")).to_have_text("نتایج جست‌وجوی «گلکسی»")
    expect(page.locator(".card-title").first).to_contain_text("Galaxy")
    expect(page.locator(".did-you-mean")).to_have_count(0)
    screenshot(page, "search-cross-script")

    # A misspelling: corrected, said, and the link searches the correction
    search_for(page, "لبتاپ ارزان")
    expect(page.locator("h1")).to_have_text("نتایج جست‌وجوی «لبتاپ ارزان»")
    # shown as the catalog writes it, with its half-space, not as the key «لپتاپ»
    expect(page.locator(".did-you-mean")).to_contain_text("منظور شما «لپ\u200cتاپ» بود؟")
    expect(page.locator(".card-title").first).to_contain_text("لپ‌تاپ")
    expect(page.locator(".ignored")).to_contain_text("«ارزان»")
    screenshot(page, "search-corrected")
    page.locator(".did-you-mean a").click()
    page.wait_for_url("**q=%D9%84%D9%BE%E2%80%8C%D8%AA%D8%A7%D9%BE**")
    expect(page.locator(".did-you-mean")).to_have_count(0)

    # Nothing found: no sort tabs, no "۰ کالا", but categories and popular products
    search_for(page, "زرافه‌ی صورتی")
    expect(page.locator("h1")).to_have_text("نتایج جست‌وجوی «زرافه‌ی صورتی»")
    expect(page.locator(".empty")).to_contain_text("کالایی پیدا نشد")
    expect(page.locator(".sorts")).to_have_count(0)
    expect(page.get_by_text("۰ کالا")).to_have_count(0)
    expect(page.locator(".suggest-popular .card").first).to_be_visible()
    screenshot(page, "search-empty")
