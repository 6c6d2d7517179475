"""Security of the account flows (issue 9, items 3, 5, 6 and the reset-token half of 9).

- /accounts/welcome/ sets a first password only right after sign-up in that session, or
  after a fresh step-up; otherwise it saves the names and ignores a posted password.
- Password-reset requests are throttled like SMS codes, and do the same work in the
  request whether or not the account exists (the lookup runs in a queued task).
- Email-change confirmations are throttled, and carry no free text to the new address.
- The emailed reset token leaves the URL at its first visit (it waits in the session).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from metavast.accounts import tasks
from metavast.accounts.models import OneTimeCode, User, UserSession
from metavast.accounts.services import auth
from metavast.accounts.services.sessions import STEPUP_SESSION_KEY
from metavast.accounts.tests.conftest import (
    MOBILE,
    PASSWORD,
    last_code,
    last_link,
    make_user,
    sent,
    signin,
)
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/accounts"
NEW_PASSWORD = "violet-canyon-5521"
EMAIL = "sara@example.com"


def _api_post(client, path, body, token=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json", **extra)


def _age_session(client, **keys_seconds_ago) -> None:
    """Pretend that session timestamps were written `n` seconds ago."""
    session = client.session
    for key, ago in keys_seconds_ago.items():
        if key == STEPUP_SESSION_KEY:
            session[key] = time.time() - ago
        else:
            mark = dict(session[key])
            mark["at"] = time.time() - ago
            session[key] = mark
    session.save()


def _sign_up(client, mobile: str = MOBILE) -> User:
    client.post("/accounts/login/", {"action": "code", "mobile": mobile})
    response = client.post("/accounts/login/code/", {"code": last_code(mobile)})
    assert response["Location"].startswith("/accounts/welcome/")
    return User.objects.by_mobile(mobile).get()


def _welcome(client, password: str = NEW_PASSWORD):
    return client.post(
        "/accounts/welcome/",
        {
            "first_name": "سارا",
            "last_name": "احمدی",
            "new_password1": password,
            "new_password2": password,
        },
    )


def _page(response) -> str:
    return response.content.decode()


# --- 3. /accounts/welcome/ ------------------------------------------------------------------


def test_welcome_sets_the_first_password_right_after_signup_in_that_session(client):
    user = _sign_up(client)
    assert 'name="new_password1"' in _page(client.get("/accounts/welcome/"))

    response = _welcome(client)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.get_full_name() == "سارا احمدی"
    assert auth.SIGNUP_SESSION_KEY not in client.session  # the window closes once used


def test_welcome_ignores_a_password_on_an_sms_account_signed_in_an_hour_ago(client):
    # An SMS-only account; its owner signed in by code an hour ago on this phone and
    # also has a second device signed in.
    user = make_user(password=None)
    other = Client()
    signin(other, user)
    assert other.get("/accounts/").status_code == 200  # tracked from its first request
    other_row = UserSession.objects.get(session_key=other.session.session_key)
    client.post("/accounts/login/", {"action": "code", "mobile": MOBILE})
    assert client.post("/accounts/login/code/", {"code": last_code()}).status_code == 302
    _age_session(client, **{STEPUP_SESSION_KEY: 3600})
    audit_before = AuditEvent.objects.count()

    page = _page(client.get("/accounts/welcome/"))
    response = _welcome(client)

    assert 'name="new_password1"' not in page and 'name="new_password2"' not in page
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.has_usable_password()  # the posted password was ignored
    assert user.get_full_name() == "سارا احمدی"  # the names were saved
    other_row.refresh_from_db()
    assert other_row.revoked_at is None  # no other session was ended
    assert other.get("/accounts/").status_code == 200
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[audit_before:] == ["accounts.profile_updated"]
    assert sent(template="accounts/password_changed") == []


def test_welcome_offers_no_password_once_the_signup_window_has_passed(client):
    user = _sign_up(client)
    _age_session(client, **{auth.SIGNUP_SESSION_KEY: 16 * 60, STEPUP_SESSION_KEY: 16 * 60})

    page = _page(client.get("/accounts/welcome/"))
    response = _welcome(client)

    assert 'name="new_password1"' not in page
    assert "/accounts/password/" in page  # where a password can still be set, with a step-up
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert user.first_name == "سارا"


def test_welcome_signup_window_belongs_to_the_session_that_signed_up(client):
    user = _sign_up(client)
    elsewhere = Client()
    signin(elsewhere, user)  # another browser of the same account, no fresh step-up
    _age_session(elsewhere, **{STEPUP_SESSION_KEY: 3600})

    response = _welcome(elsewhere)

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_welcome_sets_a_first_password_after_a_fresh_stepup(client):
    user = make_user(password=None)
    signin(client, user, fresh=True)

    response = _welcome(client)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_welcome_never_changes_an_existing_password_even_with_a_fresh_stepup(client, user):
    signin(client, user, fresh=True)

    _welcome(client)

    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- 5. Reset by email: throttled --------------------------------------------------------------


def _reset(client, identifier, *, run_tasks=True):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=run_tasks):
        return client.post("/accounts/password/reset/", {"identifier": identifier})


def test_fifteen_reset_requests_in_a_second_send_one_mail_and_say_why(client):
    make_user(email=EMAIL)

    answers = [_reset(Client(), EMAIL) for _ in range(15)]

    assert len(sent(template="accounts/password_reset")) == 1
    assert "ایمیل خود را ببینید" in _page(answers[0])
    for answer in answers[1:]:
        assert answer.status_code == 200
        page = _page(answer)
        assert "ایمیل خود را ببینید" not in page
        assert "ثانیه صبر کنید" in page


def test_reset_cooldown_ignores_the_spelling_of_the_address(client):
    make_user(email=EMAIL)
    _reset(Client(), EMAIL)

    answer = _reset(Client(), "  SARA@Example.COM ")

    assert "ثانیه صبر کنید" in _page(answer)
    assert len(sent(template="accounts/password_reset")) == 1


@override_settings(
    EMAIL_LINK_RESEND_COOLDOWN_SECONDS=0, EMAIL_LINK_SEND_LIMIT_PER_ADDRESS=(3, 3600)
)
def test_reset_mails_per_address_are_capped_per_window():
    make_user(email=EMAIL)
    for n in range(3):
        _reset(Client(REMOTE_ADDR=f"5.5.5.{n}"), EMAIL)

    refused = _reset(Client(REMOTE_ADDR="6.6.6.6"), EMAIL)

    assert "بیش از حد مجاز" in _page(refused)
    assert len(sent(template="accounts/password_reset")) == 3


@override_settings(EMAIL_LINK_SEND_LIMIT_PER_IP=(2, 3600))
def test_reset_requests_per_ip_are_capped():
    make_user(email="c@example.com")
    _reset(Client(REMOTE_ADDR="5.5.5.5"), "a@example.com")
    _reset(Client(REMOTE_ADDR="5.5.5.5"), "b@example.com")

    refused = _reset(Client(REMOTE_ADDR="5.5.5.5"), "c@example.com")
    elsewhere = _reset(Client(REMOTE_ADDR="6.6.6.6"), "c@example.com")

    assert "بیش از حد مجاز" in _page(refused)
    assert "ایمیل خود را ببینید" in _page(elsewhere)
    assert [m.address for m in sent(template="accounts/password_reset")] == ["c@example.com"]


@override_settings(EMAIL_LINK_SEND_LIMIT_GLOBAL=(2, 3600))
def test_reset_mails_have_a_global_cap():
    _reset(Client(REMOTE_ADDR="1.1.1.1"), "a@example.com")
    _reset(Client(REMOTE_ADDR="2.2.2.2"), "b@example.com")

    refused = _reset(Client(REMOTE_ADDR="3.3.3.3"), "c@example.com")

    assert "بیش از حد مجاز" in _page(refused)


def _raw_cache_keys() -> list[str]:
    store = cache._cache
    if isinstance(store, dict):  # local memory
        return [str(k) for k in store]
    return [k.decode() for k in store.get_client().keys("*")]  # Redis


def test_reset_limit_keys_hold_no_plaintext_address(client):
    _reset(client, "Secret.Person@example.com")

    keys = " ".join(_raw_cache_keys())
    assert "accounts:cooldown:email:reset:" in keys
    assert "secret" not in keys.lower() and "example" not in keys.lower()


def test_reset_by_api_is_throttled_with_a_structured_429(client):
    make_user(email=EMAIL)
    first = _api_post(client, "/auth/password/reset", {"login": EMAIL})

    second = _api_post(client, "/auth/password/reset", {"login": EMAIL})

    assert first.status_code == 202
    assert second.status_code == 429
    assert second.json()["code"] == "email_cooldown"
    assert "ثانیه" in second.json()["message"]


# --- 5. Reset: known and unknown accounts do the same work in the request ------------------


def _normalised(queries) -> list[str]:
    # Same statements, whatever the values: strip literals and numbers.
    out = []
    for q in queries:
        sql = re.sub(r"'[^']*'", "?", q["sql"])
        sql = re.sub(r'"s\d+_x\d+"', "?", sql)  # savepoint names
        out.append(re.sub(r"\b\d+\b", "?", sql))
    return out


def _request_work(identifier):
    from django.test import TestCase

    client = Client()
    with (
        TestCase.captureOnCommitCallbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.post("/accounts/password/reset/", {"identifier": identifier})
    return response, queries.captured_queries, callbacks


@pytest.mark.parametrize(
    ("known", "unknown"),
    [(EMAIL, "nobody@example.com"), ("09121234567", "09129999999")],
    ids=["email", "mobile"],
)
def test_reset_request_does_the_same_work_for_known_and_unknown_accounts(known, unknown):
    make_user(email=EMAIL)
    warm_up = "warm@example.com" if "@" in known else "09128888888"
    _request_work(warm_up)  # page fragments (the footer) are cached by the first answer

    known_answer, known_queries, known_queued = _request_work(known)
    unknown_answer, unknown_queries, unknown_queued = _request_work(unknown)

    assert known_answer.status_code == unknown_answer.status_code
    assert known_answer.get("Location") == unknown_answer.get("Location")
    assert _page(known_answer) == _page(unknown_answer)
    assert len(known_queries) == len(unknown_queries)
    assert _normalised(known_queries) == _normalised(unknown_queries)
    assert not any('"accounts_user"' in q["sql"] for q in known_queries)  # no lookup here
    assert sent() == []  # nothing is written to the outbox by the request itself
    assert len(known_queued) == len(unknown_queued) == 1
    known_task, unknown_task = known_queued[0], unknown_queued[0]
    assert known_task.func == unknown_task.func == tasks.password_reset_deliver.delay
    assert sorted(known_task.keywords) == sorted(unknown_task.keywords)
    assert known.split("@")[0] not in json.dumps(known_task.keywords)  # sealed, not in clear

    # The queued tasks, run: only the known, confirmed contact receives something.
    known_task()
    unknown_task()
    if "@" in known:
        assert [m.address for m in sent(template="accounts/password_reset")] == [EMAIL]
    else:
        assert [m.address for m in sent(template="accounts/otp_code")] == [MOBILE]
        # the unknown number still got a code no one received: verifying costs the same
        assert OneTimeCode.objects.filter(purpose="reset").count() == 2


def test_reset_by_api_queues_the_same_task_for_known_and_unknown(client):
    from django.test import TestCase

    make_user(email=EMAIL)
    answers, queued = [], []
    for login in (EMAIL, "nobody@example.com"):
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            answers.append(_api_post(Client(), "/auth/password/reset", {"login": login}))
        queued.append(callbacks)

    assert answers[0].status_code == answers[1].status_code == 202
    assert answers[0].json() == answers[1].json()
    assert [len(c) for c in queued] == [1, 1]
    assert queued[0][0].func == queued[1][0].func == tasks.password_reset_deliver.delay


def test_reset_mail_goes_only_to_a_confirmed_email_of_an_active_account():
    make_user(email=EMAIL)
    make_user(mobile="+989122222222", email="pending@example.com", email_confirmed=False)
    make_user(mobile="+989123333333", email="gone@example.com", is_active=False)

    for address in (EMAIL, "pending@example.com", "gone@example.com", "nobody@example.com"):
        _reset(Client(), address)

    assert [m.address for m in sent(template="accounts/password_reset")] == [EMAIL]


# --- 6. Email change: throttled, no free text to an unconfirmed address ---------------------


def _change_email(client, email):
    return client.post("/accounts/email/", {"email": email})


def test_email_change_confirmations_have_a_cooldown_per_address(client, user):
    signin(client, user, fresh=True)
    assert _change_email(client, "new@example.com").status_code == 302
    user.refresh_from_db()
    pending_at = user.email_pending_at

    refused = _change_email(client, "new@example.com")

    assert refused.status_code == 200 and "ثانیه صبر کنید" in _page(refused)
    user.refresh_from_db()
    assert user.email_pending == "new@example.com" and user.email_pending_at == pending_at
    assert len(sent(template="accounts/email_confirm")) == 1


@override_settings(EMAIL_LINK_SEND_LIMIT_PER_USER=(3, 3600))
def test_email_change_confirmations_are_capped_per_account(client, user):
    signin(client, user, fresh=True)
    for n in range(3):
        assert _change_email(client, f"n{n}@example.com").status_code == 302

    refused = _change_email(client, "n9@example.com")

    assert "بیش از حد مجاز" in _page(refused)
    user.refresh_from_db()
    assert user.email_pending == "n2@example.com"
    assert len(sent(template="accounts/email_confirm")) == 3


@override_settings(
    EMAIL_LINK_RESEND_COOLDOWN_SECONDS=0, EMAIL_LINK_SEND_LIMIT_PER_ADDRESS=(2, 3600)
)
def test_email_change_confirmations_are_capped_per_target_address():
    victim = "victim@example.com"
    for n in range(2):
        account = make_user(mobile=f"+98912000000{n}")
        c = Client(REMOTE_ADDR=f"5.5.5.{n}")
        signin(c, account, fresh=True)
        assert _change_email(c, victim).status_code == 302
    third = make_user(mobile="+989120000009")
    c = Client(REMOTE_ADDR="6.6.6.6")
    signin(c, third, fresh=True)

    refused = _change_email(c, victim)

    assert "بیش از حد مجاز" in _page(refused)
    third.refresh_from_db()
    assert third.email_pending == ""
    assert len(sent(template="accounts/email_confirm", address=victim)) == 2


@override_settings(EMAIL_LINK_SEND_LIMIT_PER_IP=(2, 3600))
def test_email_change_confirmations_are_capped_per_ip():
    for n in range(2):
        account = make_user(mobile=f"+98912000000{n}")
        c = Client(REMOTE_ADDR="5.5.5.5")
        signin(c, account, fresh=True)
        assert _change_email(c, f"n{n}@example.com").status_code == 302
    third = make_user(mobile="+989120000009")
    c = Client(REMOTE_ADDR="5.5.5.5")
    signin(c, third, fresh=True)

    refused = _change_email(c, "n9@example.com")

    assert "بیش از حد مجاز" in _page(refused)
    assert len(sent(template="accounts/email_confirm")) == 2


def test_email_change_by_api_is_throttled_too(client, user):
    tokens = _api_post(client, "/auth/signin", {"login": MOBILE, "password": PASSWORD}).json()
    body = {"email": "new@example.com", "password": PASSWORD}
    first = _api_post(client, "/me/contacts/email", body, token=tokens["access"])

    second = _api_post(client, "/me/contacts/email", body, token=tokens["access"])

    assert first.status_code == 202
    assert second.status_code == 429 and second.json()["code"] == "email_cooldown"
    assert len(sent(template="accounts/email_confirm")) == 1


def test_confirmation_mail_carries_no_free_text_of_the_requester(client):
    user = make_user(first_name="«برندهٔ جایزه شدید» http://evil.example/", last_name="<b>x</b>")
    signin(client, user, fresh=True)

    _change_email(client, "new@example.com")

    (message,) = sent(template="accounts/email_confirm")
    link = last_link("new@example.com")
    body = message.body.replace(link, "LINK")
    assert "evil" not in message.body and "جایزه" not in message.body and "<b>" not in body
    assert body == (
        "سلام،\n\n"
        "برای تأیید این ایمیل به‌عنوان نشانی رسمی یک حساب در متاوست، این پیوند را باز کنید:\n\n"
        "LINK\n\n"
        "این پیوند تا ۴۸ ساعت معتبر است.\n"
        "اگر شما این درخواست را نداده‌اید، این پیام را نادیده بگیرید؛ "
        "تا ایمیل تأیید نشود، پیامی به آن نمی‌فرستیم.\n\n"
        "متاوست"
    )
    assert "evil" not in message.subject and "جایزه" not in message.subject


# --- 9. The reset token leaves the URL ---------------------------------------------------------


def _reset_link(email: str = EMAIL) -> str:
    _reset(Client(), email)
    link = last_link(email, template="accounts/password_reset")
    return "/" + link.split("/", 3)[3]


def test_reset_link_moves_its_token_into_the_session_and_off_the_url(client):
    user = make_user(email=EMAIL)
    link = _reset_link()
    uid, token = link.rstrip("/").split("/")[-2:]

    first = client.get(link)

    assert first.status_code == 302
    assert first["Location"] == f"/accounts/password/reset/{uid}/set-password/"
    assert token not in first["Location"]
    form = client.get(first["Location"])
    assert form.status_code == 200 and 'name="new_password1"' in _page(form)
    assert token not in _page(form)

    done = client.post(
        first["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "accounts_reset_token" not in client.session
    assert client.get(link).status_code == 400  # the used link is dead
    assert client.get(first["Location"]).status_code == 400


def test_the_placeholder_url_holds_no_token_for_anyone_else(client):
    user = make_user(email=EMAIL)
    link = _reset_link()
    placeholder = client.get(link)["Location"]

    leaked = Client()
    page = leaked.get(placeholder)
    posted = leaked.post(
        placeholder, {"new_password1": "x-" + NEW_PASSWORD, "new_password2": "x-" + NEW_PASSWORD}
    )

    assert page.status_code == 400 and posted.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_bad_token_is_refused_without_touching_the_session(client):
    user = make_user(email=EMAIL)
    link = _reset_link()

    response = client.get(link[:-3] + "xx/")

    assert response.status_code == 400
    assert "accounts_reset_token" not in client.session
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_session_token_of_another_account_does_not_open_this_one(client):
    make_user(email=EMAIL)
    other = make_user(mobile="+989122222222", email="other@example.com")
    link = _reset_link()
    client.get(link)  # the token of EMAIL's account now waits in this session
    other_uid = _reset_link("other@example.com").rstrip("/").split("/")[-2]

    response = client.post(
        f"/accounts/password/reset/{other_uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    other.refresh_from_db()
    assert other.check_password(PASSWORD)
