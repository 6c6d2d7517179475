"""Payments test fixtures: a fake Zarinpal on 127.0.0.1 and orders placed through services.

Orders are made the real way (cart → `order_place`, stock reserved), with the orders app's
factories, so "stock committed once" is a fact about the catalog's counters.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from metavast.audit.models import AuditEvent
from metavast.notifications.models import OutboxMessage
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place, shop
from metavast.payments.tests.fake_zarinpal import MERCHANT_ID, FakeZarinpal

__all__ = ["shop"]


@pytest.fixture
def fake_zarinpal(settings):
    fake = FakeZarinpal().start()
    settings.ZARINPAL_BASE_URL = fake.url
    settings.ZARINPAL_MERCHANT_ID = MERCHANT_ID
    settings.ZARINPAL_TIMEOUT = 1
    settings.PAYMENT_REDIRECT_ALLOWED_HOSTS = [*settings.PAYMENT_REDIRECT_ALLOWED_HOSTS, fake.host]
    yield fake
    fake.stop()


@pytest.fixture
def customer(shop):
    return make_customer()


@pytest.fixture
def variant(shop):
    return make_variant(price=1_250_000, on_hand=5)


def place_order(user, variant, quantity: int = 1, **kwargs):
    """An order awaiting online payment, through cart and `order_place`."""
    fill_cart(user, (variant, quantity))
    return place(user, **kwargs)


@pytest.fixture
def order(customer, variant):
    return place_order(customer, variant)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start_payment(user, order, gateway: str = "zarinpal"):
    """POST the order page's "pay" button; returns (response, payment)."""
    from metavast.payments.models import Payment

    response = logged_in(user).post(f"/payments/start/{order.number}/", {"gateway": gateway})
    return response, Payment.objects.filter(order=order).order_by("-pk").first()


def callback(payment, status: str = "OK", *, order_number: str | None = None, method="get"):
    """The bank sends the customer back: a fresh client, so no session cookie at all."""
    number = order_number if order_number is not None else payment.order.number
    client = Client()
    url = f"/payments/callback/{payment.gateway}/?order={number}"
    params = {"Authority": payment.authority, "Status": status}
    if method == "post":
        return client.post(url, params)
    return client.get(f"{url}&{urlencode(params)}")


def rejections(reason: str | None = None) -> list[AuditEvent]:
    rows = list(AuditEvent.objects.filter(action="payments.callback_rejected").order_by("pk"))
    if reason:
        rows = [r for r in rows if (r.after or {}).get("reason") == reason]
    return rows


def outbox(template: str) -> int:
    return OutboxMessage.objects.filter(template=template).count()
