"""API answers to credentialed requests are never cached, and the invoice API takes the app's
bearer token like the rest of the API (issue 9, item 12)."""

import json

import pytest
from django.test import Client

from metavast.accounts.services.tokens import app_session_start
from metavast.invoices.services import invoice_issue_for_order
from metavast.invoices.tests.factories import paid_order
from metavast.orders.tests.factories import PASSWORD, make_customer, shop  # noqa: F401

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    token = app_session_start(user=user, method="test", user_agent="pytest", ip=None).access
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_not_stored(response):
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response["Cache-Control"]
    assert "public" not in cache_control and not any(
        p.startswith("max-age=") and p != "max-age=0" for p in cache_control
    )
    vary = {p.strip().lower() for p in response["Vary"].split(",")}
    assert {"authorization", "cookie"} <= vary, response["Vary"]


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def invoice(shop, private_storage):  # noqa: F811
    return invoice_issue_for_order(order_id=paid_order().pk)


# --- Cache-Control: no-store ---


@pytest.mark.parametrize("path", ["/api/v1/accounts/me", "/api/v1/orders", "/api/v1/cart"])
def test_signed_in_api_answers_are_not_stored_bearer(client, path):
    response = client.get(path, **bearer(make_customer()))
    assert response.status_code == 200
    assert_not_stored(response)


@pytest.mark.parametrize("path", ["/api/v1/accounts/me", "/api/v1/orders", "/api/v1/cart"])
def test_signed_in_api_answers_are_not_stored_session(client, path):
    client.force_login(make_customer())
    response = client.get(path)
    assert response.status_code == 200
    assert_not_stored(response)


def test_invoice_pdf_by_api_is_not_stored(client, invoice):
    response = client.get(f"/api/v1/invoices/{invoice.pk}/pdf", **bearer(invoice.order.user))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert_not_stored(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/orders/MV-00000000", 404),  # a domain 404
        ("/api/v1/orders?page=0", 422),  # a validation error
        ("/api/v1/no-such-endpoint", 404),  # Django's own 404, outside ninja
    ],
)
def test_errors_to_signed_in_requests_are_not_stored(client, path, status):
    response = client.get(path, **bearer(make_customer()))
    assert response.status_code == status
    assert_not_stored(response)


def test_a_refused_bearer_token_is_not_stored_either(client):
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert_not_stored(response)


def test_a_csrf_refusal_to_a_session_is_not_stored():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_customer())
    response = client.post(
        "/api/v1/cart/lines", json.dumps({"variant_id": 1}), content_type="application/json"
    )
    assert response.status_code == 403
    assert_not_stored(response)


def test_tokens_handed_to_an_anonymous_sign_in_are_not_stored(client):
    user = make_customer()
    response = client.post(
        "/api/v1/accounts/auth/signin",
        json.dumps({"login": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["access"]
    assert "no-store" in response["Cache-Control"]
    assert {"authorization", "cookie"} <= {p.strip().lower() for p in response["Vary"].split(",")}


def test_web_pages_are_left_to_their_views(client):
    # The catalog caches guest pages whole and sends no Cache-Control; that stays so.
    response = client.get("/")
    assert response.status_code == 200
    assert "Cache-Control" not in response


# --- The invoice API takes bearer tokens ---


def test_invoice_api_accepts_the_apps_bearer_token(client, invoice, shop):  # noqa: F811
    other = invoice_issue_for_order(order_id=paid_order().pk)
    auth = bearer(invoice.order.user)
    listing = client.get("/api/v1/invoices", **auth)
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()] == [invoice.pk]
    pdf = client.get(f"/api/v1/invoices/{invoice.pk}/pdf", **auth)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # Another customer's invoice is the same 404 as a missing one.
    refused = client.get(f"/api/v1/invoices/{other.pk}/pdf", **auth)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert client.get(f"/api/v1/invoices/{other.pk + 999}/pdf", **auth).status_code == 404


def test_invoice_api_still_takes_the_browser_session_and_refuses_anonymous(client, invoice):
    client.force_login(invoice.order.user)
    assert [row["id"] for row in client.get("/api/v1/invoices").json()] == [invoice.pk]
    client.logout()
    anonymous = client.get("/api/v1/invoices")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    bad = client.get("/api/v1/invoices", HTTP_AUTHORIZATION="Bearer forged")
    assert bad.status_code == 401


def test_invoice_api_refuses_an_ended_app_session(client, invoice):
    from metavast.accounts.models import UserSession
    from metavast.accounts.services.tokens import app_session_end

    auth = bearer(invoice.order.user)
    app_session_end(row=UserSession.objects.filter(user=invoice.order.user).latest("pk"))
    assert client.get("/api/v1/invoices", **auth).status_code == 401
