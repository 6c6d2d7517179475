"""Issue 15, items 3 and 4 in a browser, on a 390 px phone and a 1366 px desktop: add to cart
without leaving the product page (toast and header count), the phone's sticky buy bar,
colour swatches, the cart's thumbnails, the one-line desktop header, and the listing's
filter sheet with counts that follow the filters."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from metavast.catalog import demo
from metavast.catalog.models import Product

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"  # as conftest's screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", 48)
    demo.seed_catalog()


def _product_with_colours() -> Product:
    """A phone in stock with two or more colour variants."""
    for item in Product.objects.filter(in_stock=True, slug__startswith="mobile").order_by("id"):
        variants = list(item.variants.filter(is_active=True))
        if len(variants) > 1 and any(v.available for v in variants):
            return item
    raise AssertionError("the demo catalog has no phone with colour variants in stock")


def _viewport_shot(page, name: str) -> None:
    """What the screen shows (fixed bars and toasts where the shopper sees them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _top(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"] / 2


@pytest.mark.parametrize("width", [390, 1366])
def test_add_to_cart_stays_on_the_page(width, new_browser_context, screenshot, demo_store):
    context = new_browser_context(viewport={"width": width, "height": 844 if width == 390 else 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    item = _product_with_colours()
    page.goto(item.get_absolute_url())
    url = page.url
    count = page.locator("#cart-count")
    expect(count).to_be_empty()
    # Colour swatches: a dot beside each known colour's name.
    expect(page.locator("a.variant svg.swatch").first).to_be_visible()

    bar = page.locator(".buy-row")
    bar_box = bar.bounding_box()
    if width == 390:
        # The buy bar sits at the bottom of the screen with the price and the button.
        assert abs(bar_box["y"] + bar_box["height"] - 844) <= 1, bar_box
        assert "تومان" in bar.inner_text()
        _viewport_shot(page, f"ui-product-{width}")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        # At the very bottom the footer is above the bar, not under it.
        footer = page.locator(".site-footer").bounding_box()
        assert footer["y"] + footer["height"] <= bar.bounding_box()["y"] + 1
        _viewport_shot(page, f"ui-product-{width}-bottom")
        page.evaluate("window.scrollTo(0, 0)")
    else:
        assert bar.evaluate("e => getComputedStyle(e).position") == "static"
        # The header on one line: logo, search, account and cart at the same height.
        middles = [_top(page, s) for s in (".logo", "#q", ".tools a[href='/accounts/login/']")]
        middles.append(_top(page, "#cart-link"))
        assert max(middles) - min(middles) < 12, middles

    page.get_by_role("button", name="افزودن به سبد خرید").click()
    toast = page.locator("#toast .toast")
    expect(toast).to_contain_text("به سبد خرید اضافه شد")
    expect(count).to_have_text(re.compile("۱"))
    assert page.url == url  # never left the page
    expect(toast).to_have_css("opacity", "1")  # shown in full (it slides in)
    expect(toast.get_by_role("link", name=re.compile("دیدن سبد خرید"))).to_have_attribute(
        "href", "/cart/"
    )
    _viewport_shot(page, f"ui-product-{width}-added")

    # A second tap: the count follows.
    page.locator("#toast .toast-close").click()
    expect(toast).to_have_count(0)
    page.get_by_role("button", name="افزودن به سبد خرید").click()
    expect(count).to_have_text(re.compile("۲"))

    # The header count is on every page, and the cart shows each line's picture.
    page.locator("#cart-link").click()
    page.wait_for_url("**/cart/")
    expect(page.locator("#cart-count")).to_have_text(re.compile("۲"))
    thumb = page.locator(".cart-line img.thumb").first
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.naturalWidth") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"ui-cart-{width}")
    assert not [e for e in errors if "Content Security Policy" in e or "404" in e], errors


def test_add_to_cart_without_javascript_opens_the_cart(new_browser_context, demo_store):
    context = new_browser_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(_product_with_colours().get_absolute_url())
    page.get_by_role("button", name="افزودن به سبد خرید").click()
    page.wait_for_url("**/cart/")
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator("#cart-count")).to_have_text(re.compile("۱"))


def test_listing_filter_sheet_on_a_phone(page, screenshot, demo_store):
    page.goto("/c/mobile/")
    sheet = page.locator("details.filters form")
    # Closed by default: the results come first.
    expect(sheet).to_be_hidden()
    expect(page.locator(".card").first).to_be_in_viewport()
    expect(page.locator(".sorts a.on")).to_have_text("پرفروش‌ترین")
    # In stock first: no sold-out card before an available one.
    classes = page.locator(".grid .card").evaluate_all("cards => cards.map(c => c.className)")
    first_out = next((i for i, c in enumerate(classes) if "sold-out" in c), len(classes))
    assert all("sold-out" in c for c in classes[first_out:]), classes
    screenshot(page, "ui-listing-390")

    page.locator(".filters summary").click()
    expect(sheet).to_be_visible()
    brand = page.locator("#facet-groups fieldset").first.locator("label.check").first
    brand_count = re.search(r"\(([۰-۹]+)\)", brand.inner_text()).group(1)
    page.evaluate("document.getElementById('facet-groups').dataset.before = '1'")
    brand.locator("input").check()
    page.wait_for_url("**brand=**")
    # The results and the counts swap in behind the sheet: the facet groups are new ones,
    # and the listing has exactly as many products as the brand's count said.
    expect(page.locator("#facet-groups[data-before]")).to_have_count(0)
    expect(page.locator("#facet-groups input[name=brand]:checked")).to_have_count(1)
    expect(page.locator(".count")).to_have_text(f"{brand_count} کالا")
    screenshot(page, "ui-listing-390-sheet")
    page.get_by_role("button", name="اعمال فیلترها").click()
    expect(sheet).to_be_hidden()
    expect(page.locator(".count")).to_be_in_viewport()
    expect(page.locator("#filters-dot")).to_contain_text("●")  # a filter is on
    screenshot(page, "ui-listing-390-filtered")


def test_listing_side_panel_on_a_desktop(new_browser_context, screenshot, demo_store):
    context = new_browser_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto("/c/mobile/")
    panel = page.locator("details.filters form")
    expect(panel).to_be_visible()  # no click needed
    expect(page.locator(".filters summary")).to_be_hidden()
    panel_box = panel.bounding_box()
    grid_box = page.locator(".grid").bounding_box()
    # RTL: the panel on the right, the results beside it on the left.
    assert panel_box["x"] > grid_box["x"] + grid_box["width"] - 1
    middles = [_top(page, s) for s in (".logo", "#q", "#cart-link")]
    assert max(middles) - min(middles) < 12, middles
    screenshot(page, "ui-listing-1366")


@pytest.mark.parametrize("width", [390, 1366])
def test_home_loads_htmx_only_for_the_search_box(
    width, new_browser_context, screenshot, demo_store
):
    context = new_browser_context(viewport={"width": width, "height": 844 if width == 390 else 768})
    page = context.new_page()
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if "htmx" in r.url else None)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert scripts == []  # not part of the first visit
    page.locator("#q").press_sequentially("گوشی", delay=40)
    expect(page.locator(".suggest-list")).to_be_visible()
    assert len(scripts) == 1
    if width == 1366:
        middles = [_top(page, s) for s in (".logo", "#q", "#cart-link")]
        assert max(middles) - min(middles) < 12, middles
    _viewport_shot(page, f"ui-home-suggest-{width}")
