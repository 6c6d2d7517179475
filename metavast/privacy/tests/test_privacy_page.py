"""«حریم خصوصی من»: what the shop holds about the customer, why, and until when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metavast.consent.models import ConsentRecord
from metavast.core.jalali import format_jalali_date
from metavast.core.text import to_persian_digits
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services import Receiver
from metavast.orders.tests.factories import (
    fill_cart,
    make_address,
    make_customer,
    make_variant,
    place,
    shop,  # noqa: F401  (a fixture)
)
from metavast.privacy import holdings, registry

pytestmark = pytest.mark.django_db

URL = "/privacy/"
OTHER = Receiver(is_self=False, first_name="رضا", last_name="کاظمی", mobile="09121112233")


def _order(user, *, receiver=None, address=None):
    fill_cart(user, (make_variant(), 1))
    return place(user, receiver=receiver, address=address)


def _deliver(order, when):
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED, delivered_at=when)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_url_name():
    assert reverse("privacy:home") == URL


def test_page_lists_every_kind_of_data_with_why_and_until_when(client, shop):  # noqa: F811
    user = make_customer()
    make_address(user, label="خانه")
    _order(user)
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store") == 1
    html = response.content.decode()
    assert "حریم خصوصی من" in html and 'dir="rtl"' in html
    for item in holdings.customer_holdings(user).categories:
        summary = item.summary
        assert summary.label in html
        for label in summary.field_labels():
            assert label in html
        for sentence in summary.retention_sentences():
            assert sentence in html  # the engine's own sentences, not a copy
    # Counts in Persian digits: one address, one order.
    assert 'data-category="addresses"' in html
    assert f"{to_persian_digits(1)} مورد برای شما" in html


def test_page_shows_no_sensitive_value(client, shop):  # noqa: F811
    user = make_customer()
    user.national_code = "0012345679"
    user.save(update_fields=["national_code"])
    address = make_address(user, street="خیابان یاس‌های سپید", postal_code="1193653471")
    _order(user, receiver=OTHER, address=address)
    client.force_login(user)

    html = client.get(URL).content.decode()

    for secret in (
        "یاس‌های سپید",
        "1193653471",
        "۱۱۹۳۶۵۳۴۷۱",
        "0012345679",
        "کاظمی",
        "09121112233",
        user.mobile,
        user.email,
    ):
        assert secret not in html, secret


def test_orders_holding_another_persons_details_with_their_erasure_date(client, shop):  # noqa: F811
    user = make_customer()
    delivered = _order(user, receiver=OTHER)
    delivered_at = timezone.now() - dt.timedelta(days=3)
    _deliver(delivered, delivered_at)
    open_order = _order(user, receiver=OTHER)
    own = _order(user)
    erased = _order(user, receiver=OTHER)
    Order.objects.filter(pk=erased.pk).update(receiver_erased_at=timezone.now())
    client.force_login(user)

    html = client.get(URL).content.decode()

    section = html.split('id="prv-receivers"')[1]
    retention = holdings.receiver_retention()
    assert format_jalali_date(delivered_at + retention) in section
    assert to_persian_digits(delivered.number) in section
    assert to_persian_digits(open_order.number) in section
    assert "روز پس از بسته شدن سفارش" in section
    assert to_persian_digits(own.number) not in section
    assert to_persian_digits(erased.number) not in section


def test_receiver_retention_is_the_engines_rule():
    rule = registry.retention_rules()[registry.RULE_ORDER_RECEIVER]
    assert holdings.receiver_retention() == rule.age


def test_consents_latest_cookie_choice_and_marketing_not_yet(client):
    user = make_customer()
    ConsentRecord.objects.create(
        user=user,
        created_at=timezone.now(),
        policy_version="1",
        granted=["analytics"],
        offered=["analytics", "marketing"],
    )
    client.force_login(user)

    html = client.get(URL).content.decode()

    section = html.split('id="prv-consents"')[1].split("</section>")[0]
    assert 'آماری: <span class="acc-state acc-ok">روشن</span>' in section
    assert 'بازاریابی: <span class="acc-state">خاموش</span>' in section
    assert 'ضروری: <span class="acc-state acc-ok">روشن</span>' in section
    assert "تا کنون اجازه‌ای نداده‌اید" in section  # marketing consent: none given (issue 13)


def test_sessions_and_address_book_link_to_their_pages(client):
    user = make_customer()
    client.force_login(user)
    html = client.get(URL).content.decode()
    assert reverse("accounts:sessions") in html
    assert reverse("accounts:addresses") in html


def test_account_menu_links_to_the_page(client):
    user = make_customer()
    client.force_login(user)
    html = client.get(reverse("accounts:home")).content.decode()
    assert f'href="{URL}">حریم خصوصی من</a>' in html


def _count_queries(client, user) -> int:
    client.force_login(user)
    client.get(URL)  # warm caches (footer, divisions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_customers_rows(client, shop):  # noqa: F811
    small = make_customer()
    _order(small, receiver=OTHER)
    big = make_customer()
    for _ in range(3):
        make_address(big)
    for _ in range(4):
        order = _order(big, receiver=OTHER)
        _deliver(order, timezone.now())
    ConsentRecord.objects.create(
        user=big, created_at=timezone.now(), policy_version="1", granted=[], offered=[]
    )

    assert _count_queries(client, small) == _count_queries(client, big)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_privacy_page_at_phone_width(page, screenshot, browser_sign_in):
    from metavast.checkout.demo import seed_shipping

    seed_shipping()
    user = make_customer()
    make_address(user, label="خانه")
    order = _order(user, receiver=OTHER)
    _deliver(order, timezone.now() - dt.timedelta(days=2))
    _order(user, receiver=OTHER)
    browser_sign_in(user)

    page.goto("/accounts/")
    page.get_by_role("link", name="حریم خصوصی من").click()
    page.wait_for_url("**/privacy/")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "حریم خصوصی من"
    receivers = page.locator("#prv-receivers").locator("xpath=..")
    assert to_persian_digits(order.number) in receivers.inner_text()
    # Nothing wider than the phone: the body's box fits the viewport.
    assert page.locator("body").bounding_box()["width"] <= 390
    screenshot(page, "privacy-home-390")
