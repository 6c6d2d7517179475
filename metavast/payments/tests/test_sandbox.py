"""The sandbox gateway: a bank page inside the app, on only where settings say so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from config.tests.test_settings import _production_env
from metavast.orders.models import Order, OrderStatus
from metavast.payments import gateways
from metavast.payments.errors import GatewayNotAvailable
from metavast.payments.models import Payment, PaymentStatus, SandboxStatus, SandboxTransaction
from metavast.payments.tests.conftest import logged_in, start_payment

ROOT = Path(__file__).resolve().parents[3]


def test_pay_in_the_sandbox_bank(order, customer):
    response, payment = start_payment(customer, order, gateway="sandbox")
    assert response["Location"] == f"/payments/sandbox/{payment.authority}/"
    bank = Client()  # the bank page needs no session
    page = bank.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "متاوست" in body and "پرداخت" in body and "انصراف" in body
    assert (
        f"{order.total // 10:,}".replace(",", "٬").translate(
            str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
        )
        in body
    )
    assert "تومان" in body

    back = bank.post(response["Location"], {"action": "pay"})
    assert back.status_code == 302
    assert back["Location"].startswith(
        f"http://testserver/payments/callback/sandbox/?order={order.number}&"
    )
    assert "Status=OK" in back["Location"] and f"Authority={payment.authority}" in back["Location"]
    result = Client().get(back["Location"])
    assert "پرداخت با موفقیت انجام شد" in result.content.decode()
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert SandboxTransaction.objects.get().status == SandboxStatus.VERIFIED


def test_cancel_in_the_sandbox_bank(order, customer):
    response, payment = start_payment(customer, order, gateway="sandbox")
    back = Client().post(response["Location"], {"action": "cancel"})
    assert "Status=NOK" in back["Location"]
    result = logged_in(customer).get(back["Location"])
    body = result.content.decode()
    assert "پرداخت لغو شد" in body and "تلاش دوباره" in body
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED


def test_a_forged_ok_for_an_unpaid_sandbox_payment_is_refused(order, customer):
    _, payment = start_payment(customer, order, gateway="sandbox")
    Client().get(
        f"/payments/callback/sandbox/?order={order.number}&Authority={payment.authority}&Status=OK"
    )
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.FAILED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_PAYMENT


def test_sandbox_is_the_default_where_it_is_on(order, customer):
    response = logged_in(customer).post(f"/payments/start/{order.number}/")
    assert response["Location"].startswith("/payments/sandbox/")


def test_when_off_the_sandbox_cannot_be_chosen_or_reached(order, customer, settings):
    _, payment = start_payment(customer, order, gateway="sandbox")
    settings.SANDBOX_GATEWAY_ENABLED = False
    assert gateways.enabled_gateways() == ["zarinpal"]
    with pytest.raises(GatewayNotAvailable):
        gateways.get_gateway("sandbox")
    assert Client().get(f"/payments/sandbox/{payment.authority}/").status_code == 404
    assert (
        Client().post(f"/payments/sandbox/{payment.authority}/", {"action": "pay"}).status_code
        == 404
    )
    callback = (
        f"/payments/callback/sandbox/?order={order.number}&Authority={payment.authority}&Status=OK"
    )
    assert Client().get(callback).status_code == 404
    response = logged_in(customer).post(f"/payments/start/{order.number}/", {"gateway": "sandbox"})
    assert response.status_code == 404
    assert Payment.objects.count() == 1


def test_unknown_sandbox_page_is_404(db):
    assert Client().get("/payments/sandbox/SNOPE/").status_code == 404


def test_production_settings_have_the_sandbox_off():
    env = _production_env()  # the secrets production insists on, kept in one place
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from metavast.payments.gateways import enabled_gateways; "
        "print(s.SANDBOX_GATEWAY_ENABLED, enabled_gateways(), s.PAYMENT_REDIRECT_ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['zarinpal'] ['payment.zarinpal.com', 'www.zarinpal.com']"
    )
