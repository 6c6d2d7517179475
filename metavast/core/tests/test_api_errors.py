"""What the framework refuses before a view runs still answers in the API's one error shape,
with a Persian message and a specific code (QA report 2, item 8): a body that is not JSON, a
body not sent as JSON, a method the path does not take, a path that does not exist, a body
over Django's in-memory limit, and any other ninja HttpError."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from ninja.errors import AuthorizationError, HttpError, Throttled

from config.api import on_http_error
from metavast.cart.models import CartLine
from metavast.orders.tests.factories import make_customer, make_variant

pytestmark = pytest.mark.django_db

API = "/api/v1"
INVALID_JSON = {
    "code": "invalid_json",
    "message": "بدنهٔ درخواست JSON معتبر نیست؛ آن را به‌صورت JSON با نویسه‌های UTF-8 بفرستید.",
    "fields": {},
}
# The framework's own texts, none of which may reach a client.
ENGLISH = ("Cannot parse", "Method not allowed", "Too many requests", "Forbidden", "CSRF")


def assert_persian(body: dict) -> None:
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] != "http_error"
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["message"]), body
    assert not any(text in body["message"] for text in ENGLISH), body


@pytest.fixture
def customer_client():
    client = Client()
    client.force_login(make_customer())
    return client


@pytest.mark.parametrize(
    "raw",
    [b"{", b"\xff\xfe", b'{"variant_id": 1,}', b"[" * 100_000],
    ids=["brace", "not-utf8", "trailing-comma", "too-deep"],
)
@pytest.mark.parametrize(
    "path",
    ["/cart/lines", "/accounts/auth/signin", "/checkout/orders", "/reviews", "/reviews/questions"],
)
def test_a_body_that_is_not_json_gets_invalid_json_in_persian(customer_client, path, raw):
    make_variant()

    response = customer_client.generic("POST", f"{API}{path}", raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == INVALID_JSON
    assert not CartLine.objects.exists()


def test_a_body_not_sent_as_json_gets_unsupported_media_type(customer_client):
    variant = make_variant()
    response = customer_client.generic(
        "POST",
        f"{API}/cart/lines",
        f"variant_id={variant.pk}&quantity=1".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert_persian(response.json())
    assert not CartLine.objects.exists()


def test_json_under_another_content_type_is_still_read(customer_client):
    # Lenient as before: only a body that cannot be read is refused.
    variant = make_variant(on_hand=3)
    response = customer_client.generic(
        "POST",
        f"{API}/cart/lines",
        f'{{"variant_id": {variant.pk}, "quantity": 1}}'.encode(),
        content_type="text/plain",
    )
    assert response.status_code < 300, response.content
    assert CartLine.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("DELETE", "/catalog/products", "GET"), ("PATCH", "/cart/lines", "POST")],
)
def test_a_method_the_path_does_not_take_gets_405_in_the_error_shape(
    customer_client, method, path, allow
):
    response = customer_client.generic(method, f"{API}{path}")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response["Allow"] == allow
    assert response.json()["code"] == "method_not_allowed"
    assert_persian(response.json())


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", ["/no-such-thing", "/cart/lines/", "/", "/catalog/x/y/z"])
def test_a_path_the_api_does_not_have_gets_a_json_404(method, path):
    client = Client(enforce_csrf_checks=True)  # a POST gets the 404, not the CSRF page

    response = getattr(client, method)(f"{API}{path}")

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "چنین نشانی‌ای در API نیست.",
        "fields": {},
    }


def test_a_body_over_django_in_memory_limit_gets_413_in_the_error_shape(customer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # under REQUEST_BODY_MAX_BYTES
    variant = make_variant()
    body = f'{{"variant_id": {variant.pk}, "quantity": 1, "pad": "{"x" * 2000}"}}'.encode()

    response = customer_client.generic(
        "POST", f"{API}/cart/lines", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert_persian(response.json())
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (HttpError(400, "Cannot parse request body"), 400, "bad_request"),
        (HttpError(403, "CSRF check Failed"), 403, "forbidden"),
        (AuthorizationError(), 403, "forbidden"),
        (Throttled(wait=30), 429, "too_many_requests"),
        (HttpError(418, "I'm a teapot"), 418, "request_refused"),
    ],
)
def test_every_http_error_is_said_in_persian_with_a_code(rf, exc, status, code):
    response = on_http_error(rf.post(f"{API}/cart/lines"), exc)

    body = json.loads(response.content)
    assert response.status_code == status and body["code"] == code
    assert_persian(body)
