"""Headless Chromium: XSS and bidi payloads shown as reviews open no dialog, in the
storefront and in the back office; the product page with reviews on a phone; the
moderation buttons of a review's admin page; the review form with an error on a phone."""

from __future__ import annotations

import itertools

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


def test_moderation_buttons_on_the_change_page_work(
    live_server, new_browser_context, screenshot, shop
):
    product = make_product()
    moderator = make_staff("moderator")
    first = make_review(product, approved=False, title="دیدگاه نخست")
    second = make_review(product, approved=False, title="دیدگاه دوم")
    context = new_browser_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([_staff_cookie(moderator, live_server.url)])
    page = context.new_page()

    page.goto(f"/admin/reviews/review/{first.pk}/change/")
    content = page.locator("#content-main")
    screenshot(page, "reviews-admin-moderate-buttons")
    content.get_by_role("button", name="تأیید و انتشار (A)").click()
    expect(page).to_have_url(f"{live_server.url}/admin/reviews/review/{second.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("وضعیت دیدگاه به‌روز شد.")
    assert Review.objects.get(pk=first.pk).status == Status.APPROVED

    # Reject without a reason: refused, said in Persian, nothing changes.
    content.get_by_role("button", name="رد (R)").click()
    expect(page.locator(".messagelist")).to_contain_text("یکی از قوانین ثبت دیدگاه")
    assert Review.objects.get(pk=second.pk).status == Status.PENDING
    # With the reason chosen in the select beside the button, it is sent along.
    content.get_by_label("دلیل رد (از قوانین ثبت دیدگاه)").select_option("advertising")
    content.get_by_role("button", name="رد (R)").click()
    expect(page).to_have_url(f"{live_server.url}/admin/reviews/review/")
    rejected = Review.objects.get(pk=second.pk)
    assert (rejected.status, rejected.reject_reason) == (Status.REJECTED, "advertising")

    page.goto(f"/admin/reviews/review/{first.pk}/change/")
    page.get_by_role("button", name="بازگشت به صف").click()
    expect(page.locator(".messagelist")).to_contain_text("وضعیت دیدگاه به‌روز شد.")
    assert Review.objects.get(pk=first.pk).status == Status.PENDING


def test_write_form_on_a_phone_with_an_error(live_server, browser_context, screenshot, shop):
    product = make_product()
    shopper = make_customer()
    browser_context.add_cookies([_signed_in_cookie(shopper, live_server.url)])
    page = browser_context.new_page()
    page.goto(f"/reviews/p/{product.slug}/write/")
    page.get_by_label("عنوان").fill("عنوان من")
    page.get_by_label("متن دیدگاه").fill("متنی که نوشتم و نباید گم شود.")
    page.get_by_role("button", name="ثبت دیدگاه").click()

    group = page.get_by_role("group", name="امتیاز شما")
    expect(group).to_contain_text("امتیاز را انتخاب کنید.")
    expect(page.locator(".review-form")).not_to_contain_text("ورودی نامعتبر است.")
    expect(page.get_by_label("عنوان")).to_have_value("عنوان من")
    expect(page.get_by_label("متن دیدگاه")).to_have_value("متنی که نوشتم و نباید گم شود.")
    screenshot(page, "reviews-phone-write-error")
    # Each radio sits beside its label, right-aligned, «۵ از ۵» first (one under another on a
    # phone; in one row on a wider screen).
    boxes = []
    for n in "۵۴۳۲۱":
        label = group.locator("label.rating-choice").filter(has_text=f"{n} از ۵")
        expect(label.locator("input[type=radio]")).to_have_accessible_name(f"{n} از ۵")
        radio, box = label.locator("input").bounding_box(), label.bounding_box()
        assert box["x"] <= radio["x"] and radio["x"] + radio["width"] <= box["x"] + box["width"]
        assert box["y"] <= radio["y"] and radio["y"] + radio["height"] <= box["y"] + box["height"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        boxes.append(box)
    assert all(b["y"] > a["y"] for a, b in itertools.pairwise(boxes))
    rights = {round(box["x"] + box["width"]) for box in boxes}
    assert len(rights) == 1 and rights.pop() > 300  # all start at the right edge

    group.get_by_label("۴ از ۵").check()
    page.get_by_role("button", name="ثبت دیدگاه").click()
    expect(page).to_have_url(f"{live_server.url}/reviews/mine/")
    review = Review.objects.get(author=shopper)
    assert (review.rating, review.title) == (4, "عنوان من")


def _signed_in_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.session.session_key, "url": url}
