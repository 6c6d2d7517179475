"""No shopper page is wider than the phone it is read on: at 390 px and at 320 px (a small
Android), nothing makes the page scroll sideways. Rows meant to scroll on their own (the
category menu, the sort tabs, chips) scroll inside themselves, not the page."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from metavast.catalog.demo import seed_catalog
from metavast.catalog.models import Category, Product
from metavast.checkout.demo import seed_shipping
from metavast.orders.tests.factories import fill_cart, make_customer
from metavast.storefront.demo import seed_pages
from metavast.storefront.tests.test_persian_digits_browser import _signed_in_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements whose box sticks out past the viewport, outside any element that scrolls by itself
# (run through the DevTools protocol, not the page's eval, which its CSP forbids).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (!r.width || (r.right <= width + 1 && r.left >= -1) || scrolls(el)) continue;
    out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return [document.documentElement.scrollWidth, out.slice(0, 8)];
}"""


@pytest.mark.parametrize("width", [390, 320])
def test_no_shopper_page_scrolls_sideways_on_a_phone(
    width, new_browser_context, live_server, screenshot
):
    seed_shipping()
    seed_catalog(products=24)
    seed_pages()
    phone = Product.objects.filter(title__contains="گوشی").order_by("pk").first()
    leaf = Category.objects.filter(products__isnull=False).order_by("pk").first()
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (phone.variants.order_by("pk").first(), 2))
    pages = {
        "home": "/",
        "listing": f"/c/{leaf.slug}/",
        "product": phone.get_absolute_url(),
        "search": f"/search/?q={quote('گوشی')}",
        "search-corrected": f"/search/?q={quote('لبتاپ ارزان')}",
        "search-empty": f"/search/?q={quote('قفقفقفق')}",
        "privacy": "/p/privacy/",
        "login": "/accounts/login/",
    }
    context = new_browser_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = {}
    for name, url in pages.items():
        page.goto(url)
        scroll_width, sticking = page.evaluate(STICKING_OUT)
        if scroll_width > width:
            wide[name] = (scroll_width, sticking)
    # Signed in, with a cart: the cart and the account.
    context.add_cookies([_signed_in_cookie(buyer, live_server.url)])
    for name, url in {"cart": "/cart/", "account": "/accounts/"}.items():
        page.goto(url)
        scroll_width, sticking = page.evaluate(STICKING_OUT)
        if scroll_width > width:
            wide[name] = (scroll_width, sticking)
    page.goto(pages["search"])
    screenshot(page, f"phone-width-search-{width}")
    assert wide == {}
