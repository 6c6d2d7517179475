"""A new shopper on a phone: home, a category, filters, Persian search, a product."""

import pytest

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
    assert page.locator(".card").count() > 0
    shot("catalog-category")

    # Filters: open the panel, keep only what is in stock, sort cheapest first (htmx swaps)
    page.locator(".filters summary").click()
    page.get_by_label("فقط کالاهای موجود").check()
    page.wait_for_url("**stock=1**")
    page.get_by_role("link", name="ارزان‌ترین").click()
    page.wait_for_url("**sort=cheapest**")
    assert page.locator(".card.sold-out").count() == 0
    shot("catalog-filtered")

    # Search typed with Arabic letters (ك, ي) finds Persian titles (ک, ی)
    page.fill("#q", "كتاب")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search/**")
    assert page.locator(".card").count() > 0
    assert "کتاب" in page.locator(".card-title").first.inner_text()
    shot("catalog-search-arabic-letters")

    # Persian digits find Latin ones and the other way round
    page.fill("#q", "۱۲۸ گیگابایت")
    page.locator("#q").press("Enter")
    page.wait_for_load_state()
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
    assert page.locator("a.variant.on").inner_text() == label
    shot("catalog-product-variant")
