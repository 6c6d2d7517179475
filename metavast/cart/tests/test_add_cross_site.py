"""Why /cart/add/ may go without a CSRF token, proved: the product page that posts to it is
cached for guests and carries none, and no other site can post to it (issue 9, item 11)."""

import pytest
from django.conf import settings
from django.test import Client

from metavast.cart.models import Cart, CartLine
from metavast.cart.services import cart_add, cart_get_or_create
from metavast.orders.tests.factories import make_customer, make_variant

pytestmark = pytest.mark.django_db


def guest() -> Client:
    return Client(enforce_csrf_checks=True)


def assert_refused_untouched(client, response):
    assert response.status_code == 403
    assert "دسترسی ممنوع" in response.content.decode()
    assert not Cart.objects.exists() and not CartLine.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no session was started


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://evil.example"},
        {"HTTP_ORIGIN": "http://shop.testserver"},  # a sibling subdomain is another origin
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "null"},  # sandboxed frames, no-referrer pages
        {"HTTP_ORIGIN": "/cart/"},  # not an origin at all
        {"HTTP_ORIGIN": "http://testserver:8443"},  # another port is another origin
        {"HTTP_REFERER": "https://evil.example/page"},  # an old browser: Referer only
        {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": "http://testserver/p/"},
    ],
)
def test_a_post_from_another_origin_is_refused_before_the_session(headers):
    variant = make_variant()
    client = guest()
    response = client.post("/cart/add/", {"variant": variant.pk}, **headers)
    assert_refused_untouched(client, response)


def test_over_https_a_post_must_say_where_it_comes_from():
    variant = make_variant()
    client = guest()
    response = client.post("/cart/add/", {"variant": variant.pk}, secure=True)
    assert_refused_untouched(client, response)
    downgraded = client.post(
        "/cart/add/", {"variant": variant.pk}, secure=True, HTTP_ORIGIN="http://testserver"
    )
    assert_refused_untouched(client, downgraded)
    ok = client.post(
        "/cart/add/", {"variant": variant.pk}, secure=True, HTTP_ORIGIN="https://testserver"
    )
    assert ok.status_code == 302
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 1)]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "HTTP://TESTSERVER"},
        {"HTTP_REFERER": "http://testserver/product/lamp/"},
        {},  # no browser page behind it: plain HTTP, no cookie to ride on
    ],
)
def test_our_own_product_page_adds_without_a_token(headers):
    variant = make_variant()
    client = guest()
    response = client.post("/cart/add/", {"variant": variant.pk}, **headers)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 1)]


def test_an_origin_in_csrf_trusted_origins_is_ours(settings):
    # Behind a TLS proxy the public origin is declared there, as for Django's own check.
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example.ir"]
    variant = make_variant()
    response = guest().post(
        "/cart/add/", {"variant": variant.pk}, HTTP_ORIGIN="https://shop.example.ir"
    )
    assert response.status_code == 302
    assert CartLine.objects.count() == 1


def test_a_cross_site_post_cannot_touch_a_signed_in_customers_cart():
    variant = make_variant(on_hand=9)
    other = make_variant(on_hand=9)
    buyer = make_customer()
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=variant.pk, quantity=2)
    client = guest()
    client.force_login(buyer)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/cart/add/", {"variant": other.pk}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
    # The customer's session is the same one (a signed-in request may refresh its cookie).
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert client.get("/api/v1/accounts/me").json()["id"] == buyer.pk


def test_why_the_exemption_the_guest_product_page_is_cached_and_sets_no_cookie():
    variant = make_variant()
    url = variant.product.get_absolute_url()
    client = guest()
    first = client.get(url)
    assert first.status_code == 200 and not first.cookies  # a token would set csrftoken
    assert 'action="/cart/add/"' in first.content.decode()
    second = client.get(url)
    assert second["X-Catalog-Cache"] == "hit"
    # The browser sends the session cookie to no other site's POST.
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_every_other_cart_form_still_needs_its_token():
    variant = make_variant()
    buyer = make_customer()
    cart_add(cart=cart_get_or_create(user=buyer), variant_id=variant.pk, quantity=2)
    client = guest()
    client.force_login(buyer)
    for path, data in [
        (f"/cart/lines/{variant.pk}/", {"quantity": "5"}),
        (f"/cart/lines/{variant.pk}/remove/", {}),
        ("/cart/acknowledge/", {}),
    ]:
        assert client.post(path, data, HTTP_ORIGIN="http://testserver").status_code == 403
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
