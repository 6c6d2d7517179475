"""A new shopper on a phone: home, a category, filters, Persian search, a product."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from metavast.catalog import demo
from metavast.catalog.models import Product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", 72)
    demo.seed_catalog()


def test_shopper_browses_filters_searches_and_opens_a_product(page, screenshot, demo_store):
    def shot(name):
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top
        screenshot(page, name)

    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".catnav").get_by_text("کالای دیجیتال").is_visible()
    shot("catalog-home")

    page.locator(".catnav").get_by_text("کالای دیجیتال").click()
    page.get_by_role("link", name="گوشی موبایل").first.click()
    page.wait_for_url("**/c/mobile/")
    expect(page.locator(".card").first).to_be_visible()
    shot("catalog-category")

    # Filters: open the sheet, keep only what is in stock, sort cheapest first (htmx swaps)
    page.locator(".filters summary").click()
    page.get_by_label("فقط کالاهای موجود").check()
    page.wait_for_url("**stock=1**")
    page.locator(".filters summary").click()  # on a phone the filters are a sheet: close it
    # htmx pushes the address before it swaps the results: wait for the new results (their
    # sort links carry the filter) so the click lands on them, not on the old ones.
    cheapest = page.get_by_role("link", name="ارزان‌ترین")
    expect(cheapest).to_have_attribute("href", re.compile(r"[?&]stock=1(&|$)"))
    cheapest.click()
    page.wait_for_url("**sort=cheapest**")
    expect(page.locator(".sorts a.on")).to_have_text("ارزان‌ترین")
    expect(page.locator(".card.sold-out")).to_have_count(0)
    shot("catalog-filtered")

    # Search typed with Arabic letters (ك, ي) finds Persian titles (ک, ی)
    page.fill("#q", "كتاب")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search/**")
    expect(page.locator(".card-title").first).to_contain_text("کتاب")
    shot("catalog-search-arabic-letters")

    # Persian digits find Latin ones and the other way round
    page.fill("#q", "۱۲۸ گیگابایت")
    page.locator("#q").press("Enter")
    # Already on /search/: wait for the address that carries the new query.
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["۱۲۸ گیگابایت"])
    first_title = page.locator(".card-title").first.inner_text()
    assert "128" in first_title or "۱۲۸" in first_title
    shot("catalog-search-persian-digits")

    # Suggestions while typing
    page.fill("#q", "")
    page.locator("#q").press_sequentially("گوشی سام", delay=30)
    page.locator(".suggest-list").wait_for()
    shot("catalog-suggestions")

    # Open a product with several variants and pick another one
    product = Product.objects.filter(
        variants__isnull=False, in_stock=True, slug__startswith="mobile"
    )
    slug = next(p.slug for p in product if p.variants.count() > 1)
    page.goto(f"/product/{slug}/")
    assert page.locator("h1").inner_text()
    assert "تومان" in page.locator(".buybox").inner_text()
    shot("catalog-product")
    variants = page.locator("a.variant")
    target = variants.nth(1)
    label = target.inner_text()
    target.click()
    page.wait_for_url("**?v=**")
    expect(page.locator("a.variant.on")).to_have_text(label)
    shot("catalog-product-variant")
