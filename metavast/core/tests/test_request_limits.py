"""Request bodies over the limit are refused before anything reads them (issue 9, item 11)."""

import io

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from metavast.cart.models import Cart, CartLine
from metavast.core.middleware import RequestSizeLimitMiddleware
from metavast.orders.tests.factories import make_customer, make_variant

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def multipart(variant_id: int, file_bytes: int) -> bytes:
    upload = io.BytesIO(b"\0" * file_bytes)
    upload.name = "big.bin"
    return encode_multipart(BOUNDARY, {"variant": str(variant_id), "attachment": upload})


def assert_nothing_happened(client):
    assert not Cart.objects.exists() and not CartLine.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in client.cookies  # no session was even started


def test_a_50_mb_multipart_post_to_cart_add_is_refused_unread(client):
    variant = make_variant()
    body = multipart(variant.pk, 1024)
    # The declared length decides: the body itself is never read (it is not even there).
    response = client.generic(
        "POST", "/cart/add/", body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(50 * MB)
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "حجم درخواست بیش از اندازهٔ مجاز است." in html and 'dir="rtl"' in html
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert_nothing_happened(client)


def test_a_real_body_just_over_10_mb_is_refused_and_one_under_is_taken(client):
    variant = make_variant(on_hand=5)
    over = multipart(variant.pk, 10 * MB)
    assert len(over) > settings.REQUEST_BODY_MAX_BYTES == 10 * MB
    response = client.generic("POST", "/cart/add/", over, content_type=MULTIPART_CONTENT)
    assert response.status_code == 413
    assert_nothing_happened(client)

    under = multipart(variant.pk, 9 * MB)
    response = client.generic("POST", "/cart/add/", under, content_type=MULTIPART_CONTENT)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 1)]


def test_the_limit_is_exact(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 2000
    variant = make_variant()
    body = f"variant={variant.pk}".encode() + b"&pad=" + b"x" * 100
    pad = 2000 - len(body)
    at_limit = body + b"x" * pad
    over = at_limit + b"x"
    form = "application/x-www-form-urlencoded"
    assert client.post("/cart/add/", over, content_type=form).status_code == 413
    assert not CartLine.objects.exists()
    assert client.post("/cart/add/", at_limit, content_type=form).status_code == 302
    assert CartLine.objects.count() == 1


def test_the_api_answers_with_its_error_shape(client):
    buyer = make_customer()
    client.force_login(buyer)
    response = client.generic(
        "POST",
        "/api/v1/cart/lines",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(11 * MB),
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "request_too_large",
        "message": "حجم درخواست بیش از اندازهٔ مجاز است.",
        "fields": {},
    }
    assert "no-store" in response["Cache-Control"]
    assert not CartLine.objects.exists()


def test_a_body_without_length_is_refused(client):
    variant = make_variant()
    response = client.generic(
        "POST",
        "/cart/add/",
        f"variant={variant.pk}".encode(),
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "طول درخواست مشخص نیست" in response.content.decode()
    assert_nothing_happened(client)


@pytest.mark.parametrize("length", ["-1", "12abc", "１２", " "])
def test_a_malformed_length_is_never_taken_for_small(client, length):
    variant = make_variant()
    response = client.generic(
        "POST",
        "/cart/add/",
        f"variant={variant.pk}".encode(),
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert_nothing_happened(client)


def test_too_many_files_in_one_form_are_refused(client):
    variant = make_variant()
    # Django's default allowed 100; no form of the shop takes more than a handful.
    files = {f"f{i}": io.BytesIO(b"x") for i in range(21)}
    for i, f in enumerate(files.values()):
        f.name = f"{i}.txt"
    response = client.post("/cart/add/", {"variant": variant.pk, **files})
    assert response.status_code == 400
    assert not CartLine.objects.exists()


def test_only_the_admins_catalog_forms_get_the_upload_limit():
    admin = f"/{settings.ADMIN_PATH}"
    limit_for = RequestSizeLimitMiddleware.limit_for
    assert limit_for(f"{admin}/catalog/product/add/") == settings.REQUEST_BODY_UPLOAD_MAX_BYTES
    assert limit_for(f"{admin}/catalog/product/7/change/") == 50 * MB
    assert limit_for(f"{admin}/accounts/user/1/change/") == 10 * MB
    assert limit_for(f"{admin}/login/") == 10 * MB
    assert limit_for("/cart/add/") == 10 * MB
    assert limit_for(f"/x{admin}/catalog/product/add/") == 10 * MB


def test_an_admin_product_form_over_10_mb_reaches_the_admin(admin_client):
    # Several product images in one form: over the shop-wide limit, under the upload one.
    image = io.BytesIO(b"\0" * (11 * MB))
    image.name = "big.jpg"
    body = encode_multipart(BOUNDARY, {"title": "x", "images-0-upload": image})
    response = admin_client.generic(
        "POST", f"/{settings.ADMIN_PATH}/catalog/product/add/", body, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 200  # the admin's own form answers (with its errors)
    same_size_elsewhere = admin_client.generic(
        "POST", f"/{settings.ADMIN_PATH}/accounts/user/add/", body, content_type=MULTIPART_CONTENT
    )
    assert same_size_elsewhere.status_code == 413


def test_small_everyday_posts_are_untouched():
    client = Client(enforce_csrf_checks=True)
    variant = make_variant()
    response = client.post("/cart/add/", {"variant": variant.pk})
    assert response.status_code == 302
    assert CartLine.objects.count() == 1
