"""The payments API: start paying your own order, read its payments; others get a 404."""

from __future__ import annotations

from django.test import Client

from metavast.orders.tests.factories import make_customer
from metavast.payments.models import Payment
from metavast.payments.tests.conftest import callback, logged_in


def _api(user) -> Client:
    # The session path of the API needs the CSRF header, like the site's own scripts.
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/")  # sets the CSRF cookie
    return client


def _post(client, url, data):
    token = client.cookies["csrftoken"].value
    return client.post(url, data, content_type="application/json", HTTP_X_CSRFTOKEN=token)


def test_start_returns_the_bank_url(order, customer, fake_zarinpal):
    client = _api(customer)
    response = _post(
        client, f"/api/v1/payments/orders/{order.number}/start", {"gateway": "zarinpal"}
    )
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    assert response.json() == {
        "payment_id": payment.pk,
        "gateway": "zarinpal",
        "status": "pending",
        "amount": order.total,
        "redirect_url": f"{fake_zarinpal.url}/pg/StartPay/{payment.authority}",
    }
    fake_zarinpal.pay(payment.authority)
    callback(payment)
    status = client.get(f"/api/v1/payments/orders/{order.number}").json()
    assert status["order_status"] == "paid" and status["payable"] is False
    assert [(p["status"], p["amount"]) for p in status["payments"]] == [("paid", order.total)]


def test_sandbox_url_is_absolute_in_the_api(order, customer):
    response = _post(_api(customer), f"/api/v1/payments/orders/{order.number}/start", {})
    assert response.json()["redirect_url"].startswith("http://testserver/payments/sandbox/")


def test_another_customers_order_is_404_and_unchanged(order, fake_zarinpal):
    stranger = _api(make_customer())
    response = _post(stranger, f"/api/v1/payments/orders/{order.number}/start", {})
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert stranger.get(f"/api/v1/payments/orders/{order.number}").status_code == 404
    assert not Payment.objects.exists() and fake_zarinpal.requests == []


def test_anonymous_is_401(order):
    response = Client().post(
        f"/api/v1/payments/orders/{order.number}/start", {}, content_type="application/json"
    )
    assert response.status_code == 401


def test_session_without_csrf_is_refused(order, customer):
    client = _api(customer)
    response = client.post(
        f"/api/v1/payments/orders/{order.number}/start", {}, content_type="application/json"
    )
    assert response.status_code == 403 and not Payment.objects.exists()


def test_gateway_failure_is_503_in_the_one_error_shape(order, customer, fake_zarinpal):
    fake_zarinpal.fail_with = 500
    response = _post(
        _api(customer), f"/api/v1/payments/orders/{order.number}/start", {"gateway": "zarinpal"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "payment_start_failed"


def test_unknown_gateway_is_404(order, customer):
    response = _post(
        _api(customer), f"/api/v1/payments/orders/{order.number}/start", {"gateway": "paypal"}
    )
    assert response.status_code == 404 and response.json()["code"] == "gateway_not_available"


def test_page_flow_for_logged_in_client_still_works(order, customer):
    assert logged_in(customer).post(f"/payments/start/{order.number}/").status_code == 302
