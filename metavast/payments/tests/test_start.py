"""Starting a payment: only your own order awaiting payment, only to allowed hosts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.orders.models import Order
from metavast.orders.tests.factories import make_customer
from metavast.payments.models import Payment, PaymentStatus
from metavast.payments.services import redirect_is_allowed
from metavast.payments.tests.conftest import logged_in, place_order, start_payment


def test_pay_redirects_to_startpay_with_the_amount_from_our_database(
    order, customer, fake_zarinpal
):
    response, payment = start_payment(customer, order)
    assert response.status_code == 302
    assert response["Location"] == f"{fake_zarinpal.url}/pg/StartPay/{payment.authority}"
    assert payment.status == PaymentStatus.PENDING
    assert payment.amount == order.total == fake_zarinpal.calls("request")[0]["amount"]
    callback = fake_zarinpal.calls("request")[0]["callback_url"]
    assert callback == f"http://testserver/payments/callback/zarinpal/?order={order.number}"
    assert "session" not in callback.lower()
    assert AuditEvent.objects.filter(action="payments.started", subject_id=str(payment.pk)).exists()
    # P8: no personal data goes to the gateway.
    assert "metadata" not in fake_zarinpal.calls("request")[0]


def test_a_posted_amount_is_ignored(order, customer, fake_zarinpal):
    logged_in(customer).post(
        f"/payments/start/{order.number}/", {"gateway": "zarinpal", "amount": "1000"}
    )
    assert Payment.objects.get().amount == order.total


def test_a_double_click_reuses_the_open_bank_page(order, customer, fake_zarinpal):
    first, payment = start_payment(customer, order)
    second, again = start_payment(customer, order)
    assert first["Location"] == second["Location"]
    assert again.pk == payment.pk and Payment.objects.count() == 1
    assert len(fake_zarinpal.calls("request")) == 1


def test_get_is_not_allowed(order, customer):
    assert logged_in(customer).get(f"/payments/start/{order.number}/").status_code == 405


def test_anonymous_is_sent_to_sign_in(order):
    response = Client().post(f"/payments/start/{order.number}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Payment.objects.exists()


def _expire(order):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))


def _cancel(order):
    Order.objects.filter(pk=order.pk).update(status="cancelled")


@pytest.mark.parametrize("spoil", [None, _expire, _cancel], ids=["other", "expired", "cancelled"])
def test_an_order_you_cannot_pay_is_a_404_and_nothing_changes(
    order, customer, fake_zarinpal, spoil
):
    payer = customer
    if spoil is None:
        payer = make_customer()
    else:
        spoil(order)
    before = Order.objects.values().get(pk=order.pk)
    response, payment = start_payment(payer, order)
    assert response.status_code == 404
    assert payment is None and fake_zarinpal.requests == []
    assert Order.objects.values().get(pk=order.pk) == before


def test_an_unknown_number_is_the_same_404(customer, fake_zarinpal, shop):
    response = logged_in(customer).post("/payments/start/NOPE123/", {"gateway": "zarinpal"})
    assert response.status_code == 404


def test_cash_on_delivery_has_no_online_payment(customer, variant, fake_zarinpal):
    cod = place_order(customer, variant, payment="cod", shipping="tipax")
    response, payment = start_payment(customer, cod)
    assert response.status_code == 404 and payment is None


def test_a_redirect_host_off_the_allow_list_is_refused(order, customer, fake_zarinpal, settings):
    settings.PAYMENT_REDIRECT_ALLOWED_HOSTS = ["payment.zarinpal.com"]
    response, payment = start_payment(customer, order)
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", kwargs={"number": order.number})
    assert payment.status == PaymentStatus.FAILED
    assert payment.last_error == "redirect_not_allowed"


def test_gateway_down_at_start_fails_cleanly(order, customer, fake_zarinpal):
    fake_zarinpal.fail_with = 503
    response, payment = start_payment(customer, order)
    assert response.status_code == 302 and response["Location"] == reverse(
        "orders:detail", kwargs={"number": order.number}
    )
    assert payment.status == PaymentStatus.FAILED and payment.last_error == "zarinpal_http_503"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://payment.zarinpal.com/pg/StartPay/A1", True),
        ("http://payment.zarinpal.com/pg/StartPay/A1", False),  # https only
        ("https://evil.example/pg/StartPay/A1", False),
        ("https://payment.zarinpal.com.evil.example/x", False),
        ("//evil.example/x", False),
        ("/payments/sandbox/S1/", True),  # our own page (the sandbox bank)
        ("javascript:alert(1)", False),
        ("http://127.0.0.1:9/x", False),  # loopback only when it is on the list
    ],
)
def test_redirect_allow_list(settings, url, allowed):
    settings.PAYMENT_REDIRECT_ALLOWED_HOSTS = ["payment.zarinpal.com"]
    assert redirect_is_allowed(url) is allowed


def test_an_authority_the_gateway_gives_twice_is_never_shared(customer, variant, fake_zarinpal):
    first_order = place_order(customer, variant)
    _, first = start_payment(customer, first_order)
    fake_zarinpal._ids = iter([int(first.authority[1:])])  # the gateway repeats itself
    second_order = place_order(customer, variant)
    response, second = start_payment(customer, second_order)
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", kwargs={"number": second_order.number})
    assert second.status == PaymentStatus.FAILED and second.last_error == "duplicate_authority"
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.PENDING
