"""The Zarinpal v4 client against a fake Zarinpal over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from metavast.payments.gateways.base import GatewayError, PaymentDeclined, VerifyStatus, mask_pan
from metavast.payments.gateways.zarinpal import ZarinpalGateway
from metavast.payments.tests.fake_zarinpal import MERCHANT_ID

CALLBACK = "https://shop.example.ir/payments/callback/zarinpal/?order=M123"


@pytest.fixture
def zp(fake_zarinpal):
    return ZarinpalGateway()


def test_request_sends_the_v4_fields_and_returns_the_startpay_url(zp, fake_zarinpal):
    authority, url = zp.request_payment(
        1_250_000, CALLBACK, "سفارش M123", mobile="09121234567", email="a@example.com"
    )
    assert url == f"{fake_zarinpal.url}/pg/StartPay/{authority}"
    (body,) = fake_zarinpal.calls("request")
    assert body == {
        "merchant_id": MERCHANT_ID,
        "amount": 1_250_000,
        "currency": "IRR",
        "callback_url": CALLBACK,
        "description": "سفارش M123",
        "metadata": {"mobile": "09121234567", "email": "a@example.com"},
    }


def test_a_refused_request_is_declined(zp):
    with pytest.raises(PaymentDeclined) as caught:
        zp.request_payment(10, CALLBACK, "too small")  # below the minimum: -9
    assert caught.value.code == "zarinpal_-9"


def test_verify_100_then_101_with_the_masked_card(zp, fake_zarinpal):
    authority, _ = zp.request_payment(50_000, CALLBACK, "x")
    fake_zarinpal.pay(authority)
    first = zp.verify(authority, 50_000)
    again = zp.verify(authority, 50_000)
    assert first.status == VerifyStatus.PAID and first.is_paid
    assert first.card_pan == "502229******5995" and first.ref_id
    assert again.status == VerifyStatus.ALREADY_VERIFIED and again.ref_id == first.ref_id
    assert fake_zarinpal.calls("verify")[0] == {
        "merchant_id": MERCHANT_ID,
        "amount": 50_000,
        "authority": authority,
    }


@pytest.mark.parametrize(
    ("paid", "verify_amount", "code"),
    [(False, 50_000, "zarinpal_-51"), (True, 40_000, "zarinpal_-50")],
)
def test_verify_refusals_are_failures(zp, fake_zarinpal, paid, verify_amount, code):
    authority, _ = zp.request_payment(50_000, CALLBACK, "x")
    if paid:
        fake_zarinpal.pay(authority)
    result = zp.verify(authority, verify_amount)
    assert result.status == VerifyStatus.FAILED and result.code == code and not result.is_paid


def test_unknown_authority_fails(zp):
    assert zp.verify("A" + "9" * 35, 50_000).code == "zarinpal_-54"


@pytest.mark.parametrize(
    ("knob", "value", "code"),
    [
        ("delay", 1.5, "zarinpal_timeout"),
        ("fail_with", 502, "zarinpal_http_502"),
        ("fail_with", "garbage", "zarinpal_http_200_malformed"),
    ],
)
def test_unknown_outcomes_are_gateway_errors(zp, fake_zarinpal, knob, value, code):
    setattr(fake_zarinpal, knob, value)
    started = time.monotonic()
    with pytest.raises(GatewayError) as caught:
        zp.verify("A" + "1" * 35, 50_000)
    assert caught.value.code == code
    assert time.monotonic() - started < 1.4  # the timeout (1 s) bounds the wait


def test_unreachable_server_is_a_gateway_error(settings, fake_zarinpal):
    fake_zarinpal.stop()
    with pytest.raises(GatewayError) as caught:
        ZarinpalGateway().verify("A" + "1" * 35, 50_000)
    assert caught.value.code == "zarinpal_unreachable"


def test_a_wrong_merchant_is_not_a_refusal_of_the_payment(settings, fake_zarinpal):
    with pytest.raises(GatewayError) as caught:
        ZarinpalGateway(merchant_id="wrong").verify("A" + "1" * 35, 50_000)
    assert caught.value.code == "zarinpal_-10"


def test_without_a_merchant_id_nothing_is_sent(settings, fake_zarinpal):
    settings.ZARINPAL_MERCHANT_ID = ""
    with pytest.raises(GatewayError):
        ZarinpalGateway().request_payment(50_000, CALLBACK, "x")
    assert fake_zarinpal.requests == []


def test_unverified_lists_taken_but_unverified_payments(zp, fake_zarinpal):
    taken, _ = zp.request_payment(50_000, CALLBACK, "x")
    verified, _ = zp.request_payment(60_000, CALLBACK, "y")
    zp.request_payment(70_000, CALLBACK, "z")  # never paid
    fake_zarinpal.pay(taken)
    fake_zarinpal.pay(verified)
    zp.verify(verified, 60_000)
    assert [(p.authority, p.amount) for p in zp.unverified()] == [(taken, 50_000)]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("502229******5995", "502229******5995"),
        ("5022291234565995", "502229******5995"),
        ("1234", ""),
        ("", ""),
    ],
)
def test_mask_pan(raw, masked):
    assert mask_pan(raw) == masked
