"""Headless Chromium: XSS and bidi payloads shown as reviews open no dialog, in the
storefront and in the back office; the product page with reviews on a phone."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from playwright.sync_api import expect

from metavast.accounts.testing import verify_staff_client
from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import Question, Review, ReviewVersion, Status
from metavast.reviews.services.reviews import product_rating_refresh
from metavast.reviews.tests.factories import deliver, make_product, make_review, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    "<svg onload=alert('x3')>",
    '"><iframe src="javascript:alert(\'x4\')"></iframe>',
    "javascript:alert('x5')",
    "</script><script>alert('x6')</script>",
    "<a href=\"javascript:alert('x7')\">پیوند</a>",
    "{{ 7*7 }} {% now 'Y' %}",
]
# Stored directly (as if they had slipped in before the checks): the page must still
# render them inert. Posting them through the service is refused (test_services).
BIDI = ["\u202eexe.jpg", "نام\u2066<b>bold</b>\u2069", "\u200fعنوان\u200e"]


def _seed(product, moderator):
    for n, payload in enumerate(XSS + BIDI):
        author = make_customer()
        review = Review.objects.create(
            product=product,
            author=author,
            rating=1 + n % 5,
            title=payload[:200],
            body=f"متن {payload} پایان",
            pros=[payload],
            cons=[payload],
            status=Status.APPROVED,
        )
        ReviewVersion.objects.create(
            review=review, number=1, rating=review.rating, title=review.title, body=review.body
        )
    Question.objects.create(
        product=product, author=make_customer(), body=XSS[1], status=Status.APPROVED
    )
    # Made directly, so the product's rating columns are brought up to date as moderation does
    # (in a transaction of its own, as there: it locks the product's row).
    with transaction.atomic():
        product_rating_refresh(product_id=product.pk)


def _staff_cookie(staff, url: str) -> dict:
    client = Client()
    client.force_login(staff)
    session = verify_staff_client(client, staff).session
    return {"name": "sessionid", "value": session.session_key, "url": url}


def test_payloads_open_no_dialog_anywhere(live_server, new_browser_context, screenshot, shop):
    product = make_product()
    moderator = make_staff("moderator")
    _seed(product, moderator)
    dialogs: list[str] = []

    context = new_browser_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/product/{product.slug}/")
    expect(page.locator("#reviews")).to_be_visible()
    expect(page.locator("#reviews")).to_contain_text("alert('x")
    page.goto(f"/reviews/p/{product.slug}/")
    listing = page.locator(".reviews-page")
    for payload in XSS:
        expect(listing).to_contain_text(payload)  # shown as text, not markup
    for sort in ("helpful", "rating"):
        page.goto(f"/reviews/p/{product.slug}/?sort={sort}")
    assert page.locator(".reviews-page img[src='x']").count() == 0
    assert page.locator(".reviews-page iframe, .reviews-page svg").count() == 0

    staff = new_browser_context(viewport={"width": 1280, "height": 900})
    staff.add_cookies([_staff_cookie(moderator, live_server.url)])
    admin = staff.new_page()
    admin.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    admin.goto("/admin/reviews/review/")
    expect(admin.locator("#result_list")).to_contain_text("<svg onload=alert('x3')>")
    screenshot(admin, "reviews-admin-xss-list")
    for review in Review.objects.all()[:6]:
        admin.goto(f"/admin/reviews/review/{review.pk}/change/")
        expect(admin.locator("#content-main")).to_be_visible()
        admin.goto(f"/admin/reviews/review/{review.pk}/edit/")
    admin.goto("/admin/reviews/question/")
    assert dialogs == []


def test_product_with_reviews_on_a_phone(live_server, browser_context, screenshot, shop):
    product = make_product()
    moderator = make_staff("moderator")
    buyer = make_customer()
    deliver(buyer, product)
    make_review(
        product,
        author=buyer,
        moderator=moderator,
        rating=5,
        title="بهترین خرید امسال",
        body="کیفیت ساخت عالی است و باتری‌اش دو روز کار می‌کند. بسته‌بندی هم سالم رسید.",
        pros=["باتری قوی", "صفحهٔ روشن"],
        cons=["شارژر ندارد"],
    )
    make_review(
        product,
        moderator=moderator,
        rating=3,
        title="متوسط",
        body="برای این قیمت بد نیست، ولی کمی سنگین است.",
    )
    page = browser_context.new_page()
    page.goto(f"/product/{product.slug}/")
    block = page.locator("#reviews")
    expect(block).to_contain_text("خریدار این کالا")
    expect(block).to_contain_text("۴٫۰")
    shot = screenshot(page, "reviews-phone-product")
    assert shot.exists()
    box = page.locator("#reviews").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto(f"/reviews/p/{product.slug}/?verified=1")
    expect(page.locator(".reviews-page")).to_contain_text("بهترین خرید امسال")
    expect(page.locator(".reviews-page")).not_to_contain_text("متوسط")
    screenshot(page, "reviews-phone-verified")
