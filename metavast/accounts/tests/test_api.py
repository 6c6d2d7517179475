"""The accounts API: tokens for apps beside the browser session, one error shape."""

import json

import pytest
from django.test import Client

from metavast.accounts.models import Address, User, UserSession
from metavast.accounts.tests.conftest import (
    MOBILE,
    PASSWORD,
    last_code,
    last_link,
    make_user,
    sent,
    signin,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/accounts"
ADDRESS = {
    "province": "tehran",
    "city": "تهران",
    "street": "خیابان ولیعصر",
    "plaque": "۱۰",
    "postal_code": "1413943391",
    "receiver_is_self": False,
    "receiver_first_name": "رضا",
    "receiver_last_name": "محمدی",
    "receiver_mobile": "09351234567",
}


def post(client, path, body=None, token=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(
        f"{API}{path}", json.dumps(body or {}), content_type="application/json", **extra
    )


def call(client, method, path, body=None, token=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    fn = getattr(client, method)
    if body is None:
        return fn(f"{API}{path}", **extra)
    return fn(f"{API}{path}", json.dumps(body), content_type="application/json", **extra)


def _signup(client, mobile="۰۹۱۲۱۲۳۴۵۶۷", **fields):
    assert post(client, "/auth/code/request", {"mobile": mobile}).status_code == 202
    response = post(client, "/auth/signup", {"mobile": mobile, "code": last_code(), **fields})
    assert response.status_code == 200, response.content
    return response.json()


def test_signup_with_code_names_and_password(client):
    tokens = _signup(client, first_name="سارا", last_name="احمدی", password=PASSWORD)
    assert tokens["created"] is True and tokens["token_type"] == "Bearer"
    me = call(client, "get", "/me", token=tokens["access"]).json()
    assert (me["first_name"], me["has_password"]) == ("سارا", True)
    assert me["contacts"]["mobile"]["value"] == MOBILE
    assert me["contacts"]["mobile"]["state"] == "confirmed"
    assert me["contacts"]["email"] == {
        "value": None,
        "state": "none",
        "confirmed_at": None,
        "declared_at": None,
        "pending": None,
        "pending_since": None,
    }
    assert UserSession.objects.get().kind == "app"


def test_code_request_answers_the_same_for_known_and_unknown_numbers(client):
    make_user(mobile="+989121111111")
    a = post(client, "/auth/code/request", {"mobile": "09121111111"})
    b = post(Client(), "/auth/code/request", {"mobile": "09122222222"})
    assert (a.status_code, a.json()) == (b.status_code, b.json())


def test_landline_as_mobile_is_422_in_persian(client):
    response = post(client, "/auth/code/request", {"mobile": "021 8877 6655"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "تلفن همراه معتبر نیست" in json.dumps(body, ensure_ascii=False)


def test_existing_account_code_verify_is_not_created(client, user):
    post(client, "/auth/code/request", {"mobile": MOBILE})
    response = post(
        client, "/auth/code/verify", {"mobile": "+98 912 123 4567", "code": last_code()}
    )
    assert response.json()["created"] is False
    assert User.objects.count() == 1


def test_signin_errors_do_not_enumerate(client, user):
    wrong = post(client, "/auth/signin", {"login": MOBILE, "password": "bad-bad-bad-bad"})
    unknown = post(
        Client(), "/auth/signin", {"login": "nobody@example.com", "password": "bad-bad-bad-bad"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_api_lockout_is_json_429(client, user):
    for _ in range(5):
        post(client, "/auth/signin", {"login": MOBILE, "password": "bad-bad-bad-bad"})
    response = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "locked"


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client, user):
    first = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    second = post(client, "/auth/refresh", {"refresh": first["refresh"]}).json()
    assert second["refresh"] != first["refresh"]
    assert call(client, "get", "/me", token=second["access"]).status_code == 200
    reused = post(client, "/auth/refresh", {"refresh": first["refresh"]})
    assert reused.status_code == 401 and reused.json()["code"] == "token_invalid"
    # The thief's reuse ended the session: the legitimate tokens die with it.
    assert post(client, "/auth/refresh", {"refresh": second["refresh"]}).status_code == 401
    assert call(client, "get", "/me", token=second["access"]).status_code == 401


def test_access_token_expires(client, user, settings):
    tokens = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    settings.ACCESS_TOKEN_TTL_SECONDS = -1
    response = call(client, "get", "/me", token=tokens["access"])
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_signout_revokes_the_app_session(client, user):
    tokens = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    assert post(client, "/auth/signout", token=tokens["access"]).status_code == 200
    assert call(client, "get", "/me", token=tokens["access"]).status_code == 401
    assert post(client, "/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_profile_update_ignores_privileged_fields_and_other_ids(client, user):
    other = make_user(mobile="+989122222222")
    tokens = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    response = call(
        client,
        "patch",
        "/me",
        {
            "first_name": "علی",
            "is_staff": True,
            "is_superuser": True,
            "email": "x@example.com",
            "email_confirmed_at": "2020-01-01T00:00:00Z",
            "mobile_confirmed_at": None,
            "mobile": "09122222222",
            "id": other.pk,
            "user_id": other.pk,
        },
        token=tokens["access"],
    )
    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    user.refresh_from_db()
    other.refresh_from_db()
    assert user.first_name == "علی"
    assert (user.is_staff, user.is_superuser, user.email, user.mobile) == (
        False,
        False,
        None,
        MOBILE,
    )
    assert user.mobile_confirmed_at is not None
    assert other.first_name == ""


def test_browser_session_needs_csrf_for_writes_and_anonymous_gets_401(user):
    anonymous = Client(enforce_csrf_checks=True)
    assert post(anonymous, "/me/addresses", ADDRESS).status_code == 401
    browser = Client(enforce_csrf_checks=True)
    signin(browser, user)
    assert call(browser, "get", "/me").status_code == 200
    refused = post(browser, "/me/addresses", ADDRESS)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    browser.get("/accounts/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    ok = post(browser, "/me/addresses", ADDRESS, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201


def test_addresses_crud_and_isolation(client, user):
    tokens = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    access = tokens["access"]
    created = post(client, "/me/addresses", ADDRESS, token=access)
    assert created.status_code == 201
    body = created.json()
    assert (body["plaque"], body["receiver_mobile"], body["is_default"]) == (
        "10",
        "+989351234567",
        True,
    )
    bad = post(client, "/me/addresses", {**ADDRESS, "city": "شیراز"}, token=access)
    assert bad.status_code == 422 and "city" in bad.json()["fields"]
    updated = call(
        client, "put", f"/me/addresses/{body['id']}", {**ADDRESS, "unit": "۴"}, token=access
    )
    assert updated.json()["unit"] == "4"
    stranger = make_user(mobile="+989122222222")
    theirs = post(Client(), "/auth/signin", {"login": "09122222222", "password": PASSWORD}).json()
    assert (
        call(client, "get", f"/me/addresses/{body['id']}", token=theirs["access"]).status_code
        == 404
    )
    assert (
        call(client, "delete", f"/me/addresses/{body['id']}", token=theirs["access"]).status_code
        == 404
    )
    assert call(client, "get", "/me/addresses", token=theirs["access"]).json() == []
    assert call(client, "delete", f"/me/addresses/{body['id']}", token=access).status_code == 204
    assert not Address.objects.exists()
    assert stranger.pk


def test_email_change_by_api_needs_a_proof_then_confirms_by_token(client, user):
    tokens = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    refused = post(
        client, "/me/contacts/email", {"email": "sara@example.com"}, token=tokens["access"]
    )
    assert refused.status_code == 403 and refused.json()["code"] == "stepup_required"
    wrong = post(
        client,
        "/me/contacts/email",
        {"email": "sara@example.com", "password": "nope-nope-nope"},
        token=tokens["access"],
    )
    assert wrong.status_code == 401
    ok = post(
        client,
        "/me/contacts/email",
        {"email": "sara@example.com", "password": PASSWORD},
        token=tokens["access"],
    )
    assert ok.status_code == 202
    assert ok.json()["email"]["pending"] == "sara@example.com"
    token = last_link("sara@example.com").rstrip("/").rsplit("/", 1)[1]
    assert post(client, "/auth/email/confirm", {"token": token}).status_code == 200
    me = call(client, "get", "/me/contacts", token=tokens["access"]).json()
    assert me["email"]["state"] == "confirmed" and me["email"]["value"] == "sara@example.com"


def test_mobile_change_by_api_with_a_stepup_code(client):
    user = make_user(password=None)
    post(client, "/auth/code/request", {"mobile": MOBILE})
    tokens = post(client, "/auth/code/verify", {"mobile": MOBILE, "code": last_code()}).json()
    assert post(client, "/me/stepup/code", token=tokens["access"]).status_code == 202
    ok = post(
        client,
        "/me/contacts/mobile",
        {"mobile": "09351112233", "code": last_code()},
        token=tokens["access"],
    )
    assert ok.status_code == 202, ok.content
    confirmed = post(
        client,
        "/me/contacts/mobile/confirm",
        {"code": last_code("+989351112233")},
        token=tokens["access"],
    )
    assert confirmed.json()["mobile"]["value"] == "+989351112233"
    user.refresh_from_db()
    assert user.confirmed_mobile == "+989351112233"
    assert [m.address for m in sent(template="accounts/contact_changed")] == [MOBILE]


def test_password_change_by_api_ends_other_sessions(client, user):
    app = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    other_app = post(Client(), "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    browser = Client()
    browser.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    new = "violet-canyon-5521"
    response = post(
        client, "/me/password", {"password": PASSWORD, "new_password": new}, token=app["access"]
    )
    assert response.status_code == 200
    assert call(client, "get", "/me", token=app["access"]).status_code == 200
    assert call(client, "get", "/me", token=other_app["access"]).status_code == 401
    assert browser.get("/accounts/").status_code == 302
    weak = post(
        client, "/me/password", {"password": new, "new_password": "12345678"}, token=app["access"]
    )
    assert weak.status_code == 422
    assert "بسیار رایج" in json.dumps(weak.json(), ensure_ascii=False)


def test_sessions_by_api(client, user):
    app = post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    post(Client(), "/auth/signin", {"login": MOBILE, "password": PASSWORD})
    rows = call(client, "get", "/me/sessions", token=app["access"]).json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    other = next(r for r in rows if not r["current"])
    assert (
        call(client, "delete", f"/me/sessions/{other['id']}", token=app["access"]).status_code
        == 204
    )
    assert (
        call(client, "delete", f"/me/sessions/{other['id']}", token=app["access"]).status_code
        == 404
    )
    assert post(client, "/me/sessions/revoke-others", token=app["access"]).json() == {"ended": 0}


def test_provinces(client):
    provinces = client.get(f"{API}/provinces").json()
    assert len(provinces) == 31
    assert {"code": "qom", "name": "قم"}.items() <= provinces[
        [p["code"] for p in provinces].index("qom")
    ].items()
