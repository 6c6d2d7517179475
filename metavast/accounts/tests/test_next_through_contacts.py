"""Checkout sends a shopper without a confirmed email or mobile to confirm it; once the emailed
link is opened (in the same browser) or the SMS code entered, they are back at checkout, not
at the account home (issue 15's gap: `next=` was lost on the way)."""

import pytest

from metavast.accounts.tests.conftest import last_code, last_link, make_user, signin

pytestmark = pytest.mark.django_db
NAMES = {"first_name": "سارا", "last_name": "احمدی"}


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_email_confirmed_by_link_returns_to_checkout(client):
    user = make_user(email=None, **NAMES)
    signin(client, user, fresh=True)
    to_email = client.get("/checkout/")["Location"]
    assert to_email == "/accounts/email/?next=%2Fcheckout%2F"
    page = client.get(to_email).content.decode()
    assert '<input type="hidden" name="next" value="/checkout/">' in page
    assert "ذخیره و ادامه" in page
    response = client.post("/accounts/email/", {"email": "sara@example.com", "next": "/checkout/"})
    assert response["Location"] == "/accounts/"
    home = client.get("/accounts/").content.decode()
    assert "به خرید برمی‌گردید" in home
    response = client.post(_path(last_link("sara@example.com")))
    assert response["Location"] == "/checkout/"
    # Only once: the next confirmation goes home as before.
    assert "accounts_return_to" not in client.session


def test_mobile_confirmed_by_code_returns_to_checkout(client):
    user = make_user(mobile=None, email="sara@example.com", **NAMES)
    signin(client, user, fresh=True)
    to_mobile = client.get("/checkout/")["Location"]
    assert to_mobile == "/accounts/mobile/?next=%2Fcheckout%2F"
    response = client.post("/accounts/mobile/", {"mobile": "۰۹۱۲۷۶۵۴۳۲۱", "next": "/checkout/"})
    assert response["Location"] == "/accounts/mobile/confirm/"
    response = client.post("/accounts/mobile/confirm/", {"code": last_code("+989127654321")})
    assert response["Location"] == "/checkout/"


@pytest.mark.parametrize("hostile", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_a_foreign_next_is_never_kept(client, hostile):
    user = make_user(mobile=None, email="sara@example.com", **NAMES)
    signin(client, user, fresh=True)
    client.post("/accounts/mobile/", {"mobile": "09127654321", "next": hostile})
    response = client.post("/accounts/mobile/confirm/", {"code": last_code("+989127654321")})
    assert response["Location"] == "/accounts/"
