"""No Latin digit in what a shopper reads, on a 390 px phone.

The crawl visits the main shopper pages (home, listing, product, search, cart, the checkout
steps, the order page, the privacy page, the account and profile pages) with demo data whose
titles and specs were typed with Latin digits and points ("ظرفیت 256 گیگابایت", "6.7"), and
reads every rendered text node and the tab title. Left out, on purpose:

- form values (what an input posts back is not a text node) and hidden elements;
- an email address (Latin by nature: «buyer1@example.com»);
- a number written against a Latin letter, part of a Latin name as Persian shops print it
  («Galaxy A55», «Argon2id»): fa_digits leaves those as typed (core/text.py);
- elements marked ``data-latin`` by their template, for a code copied elsewhere as printed.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from metavast.catalog.demo import seed_catalog
from metavast.catalog.models import Category, Product
from metavast.checkout.demo import seed_shipping
from metavast.orders.tests.factories import fill_cart, make_address, make_customer, place
from metavast.storefront.demo import seed_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATIN_DIGIT = re.compile(r"[0-9]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
LATIN_NAME = re.compile(r"[A-Za-z0-9.]*[A-Za-z][A-Za-z0-9.]*")

# Runs in the page through the DevTools protocol (not the page's eval, which its CSP forbids).
VISIBLE_TEXT_WITH_LATIN_DIGITS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent;
    if (!/[0-9]/.test(text)) continue;
    const el = node.parentElement;
    if (!el || el.closest("script, style, noscript, template, [data-latin]")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (!el.getClientRects().length) continue;
    found.push(text.trim());
  }
  return found;
}"""


def _latin_digits(page) -> list[str]:
    texts = [*page.evaluate(VISIBLE_TEXT_WITH_LATIN_DIGITS), page.title()]
    return [t for t in texts if LATIN_DIGIT.search(LATIN_NAME.sub("", EMAIL.sub("", t)))]


def _signed_in_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.session.session_key, "url": url}


def test_shopper_pages_show_no_latin_digits(page, screenshot, live_server, browser_context):
    seed_shipping()
    seed_catalog(products=24)
    seed_pages()
    # A title and spec typed with Latin digits and a Latin point, as staff type them.
    phone = Product.objects.filter(title__contains="گوشی").order_by("pk").first()
    assert phone is not None
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    variant = phone.variants.order_by("pk").first()
    fill_cart(buyer, (variant, 2))
    address = make_address(buyer, plaque="12", unit="3")
    order = place(buyer, address=address)
    fill_cart(buyer, (variant, 1))  # a cart again for the cart and checkout pages
    browser_context.add_cookies([_signed_in_cookie(buyer, live_server.url)])
    leaf = Category.objects.filter(products__isnull=False).order_by("pk").first()

    pages = {
        "home": "/",
        "listing": f"/c/{leaf.slug}/",
        "product": phone.get_absolute_url(),
        "search": "/search/?q=%DA%AF%D9%88%D8%B4%DB%8C",  # «گوشی»
        "cart": "/cart/",
        "order": f"/orders/{order.number}/",
        "orders": "/orders/",
        "privacy": "/p/privacy/",
        "account": "/accounts/",
        "profile": "/accounts/profile/",
    }
    problems: dict[str, list[str]] = {}
    for name, url in pages.items():
        page.goto(url)
        print(name, "scrollWidth", page.evaluate("document.documentElement.scrollWidth"))
        found = _latin_digits(page)
        if found:
            problems[name] = found
        screenshot(page, f"digits-{name}")
        if name == "listing":
            # The filters (a sheet on the phone): open them and read their values too.
            opener = page.get_by_text("فیلترها", exact=True)
            if opener.count():
                opener.first.click()
                if found := _latin_digits(page):
                    problems["listing-filters"] = found
                screenshot(page, "digits-listing-filters")
            assert "android" not in page.content().lower()  # «اندروید», a Persian facet label

    # The checkout steps, walked as a shopper does.
    page.goto("/checkout/")
    page.wait_for_url("**/checkout/address/")
    problems_address = _latin_digits(page)
    if problems_address:
        problems["checkout-address"] = problems_address
    page.check(f"input[name=address][value='{address.pk}']")
    page.get_by_role("button", name="ادامه: روش ارسال").click()
    page.wait_for_url("**/checkout/shipping/")
    if found := _latin_digits(page):
        problems["checkout-shipping"] = found
    page.check("input[name=method] >> nth=0")
    windows = page.locator("input[name=window]")
    if windows.count():
        windows.first.check()
    page.get_by_role("button", name="ادامه: بازبینی سفارش").click()
    page.wait_for_url("**/checkout/review/")
    expect(page.locator("h1")).to_be_visible()
    if found := _latin_digits(page):
        problems["checkout-review"] = found
    screenshot(page, "digits-checkout-review")

    assert problems == {}
