"""The marketing consent boxes at sign-up (welcome page) and at checkout: unticked, per
channel, recorded with their source; an unticked box gives nothing."""

from __future__ import annotations

import re

import pytest

from metavast.accounts.models import User
from metavast.accounts.tests.conftest import last_code
from metavast.checkout.tests.test_checkout_pages import go_to_review, hidden
from metavast.consent import marketing
from metavast.consent.models import MarketingConsent
from metavast.orders.models import Order
from metavast.orders.tests.factories import (  # noqa: F401 (shop is a fixture)
    fill_cart,
    make_customer,
    make_variant,
    shop,
)

pytestmark = pytest.mark.django_db

MOBILE = "+989121234567"
BOX = re.compile(r'<input type="checkbox" name="(marketing_\w+)"([^>]*)>')


def _sign_up(client) -> User:
    client.post("/accounts/login/", {"action": "code", "mobile": MOBILE})
    response = client.post("/accounts/login/code/", {"code": last_code(MOBILE)})
    assert response["Location"].startswith("/accounts/welcome/")
    return User.objects.by_mobile(MOBILE).get()


def test_sign_up_asks_unticked_and_records_a_ticked_box_with_source_signup(client):
    user = _sign_up(client)
    page = client.get("/accounts/welcome/").content.decode()
    # Only the confirmed mobile can be asked about; the box is unticked.
    assert BOX.findall(page) == [("marketing_sms", "")]
    assert marketing.MARKETING_CONSENT_TEXT["sms"] in page

    response = client.post(
        "/accounts/welcome/",
        {"first_name": "سارا", "last_name": "احمدی", "marketing_sms": "on"},
        REMOTE_ADDR="192.0.2.44",
    )

    assert response.status_code == 302
    row = MarketingConsent.objects.get(user=user)
    assert (row.channel, row.is_granted, row.source, row.ip) == (
        "sms",
        True,
        "signup",
        "192.0.2.44",
    )
    assert row.text_version == marketing.MARKETING_CONSENT_TEXT_VERSION


def test_sign_up_without_a_tick_gives_nothing(client):
    user = _sign_up(client)
    client.post("/accounts/welcome/", {"first_name": "سارا", "last_name": "احمدی"})
    assert not MarketingConsent.objects.filter(user=user).exists()
    assert not marketing.may_send(user, "sms")


def _place(client, page, **extra):
    form = {
        "key": hidden(page, "key"),
        "cart_version": hidden(page, "cart_version"),
        "expected_total": hidden(page, "expected_total"),
        "payment_method": "online",
        **extra,
    }
    return client.post("/checkout/place/", form)


@pytest.mark.usefixtures("shop")
def test_checkout_boxes_are_unticked_and_a_tick_is_recorded_after_placing(client):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=4), 1))
    client.force_login(buyer)
    page = go_to_review(client, buyer)
    boxes = dict(BOX.findall(page))
    assert boxes and all(attrs == "" for attrs in boxes.values())  # never pre-ticked
    channels = [("email" if name == "marketing_email" else "sms") for name in boxes]

    _place(client, page, **{name: "on" for name in boxes})

    assert Order.objects.count() == 1
    rows = MarketingConsent.objects.filter(user=buyer)
    assert sorted(rows.values_list("channel", "source")) == sorted(
        (channel, "checkout") for channel in channels
    )


@pytest.mark.usefixtures("shop")
def test_checkout_without_ticks_gives_nothing(client):
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=4), 1))
    client.force_login(buyer)
    _place(client, go_to_review(client, buyer))
    assert Order.objects.count() == 1
    assert not MarketingConsent.objects.exists()
