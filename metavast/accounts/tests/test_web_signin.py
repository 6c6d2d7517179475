"""Sign-up and sign-in in the browser: by SMS code, by password; enumeration; next=; axes."""

import re

import pytest
from django.test import Client

from metavast.accounts.models import User, UserSession
from metavast.accounts.tests.conftest import MOBILE, PASSWORD, last_code, make_user, sent
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _request_code(client, mobile, next_url=""):
    return client.post("/accounts/login/", {"action": "code", "mobile": mobile, "next": next_url})


def test_signup_by_mobile_creates_a_confirmed_account(client):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = _request_code(client, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    page = client.get("/accounts/login/code/").content.decode()
    assert "0912***4567" in page.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    response = client.post("/accounts/login/code/", {"code": last_code()})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/welcome/")
    user = User.objects.get()
    assert user.mobile == MOBILE and user.confirmed_mobile == MOBILE
    assert not user.has_usable_password()
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert UserSession.objects.get().session_key == client.session.session_key
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"accounts.code_requested", "accounts.signup", "accounts.signin"} <= set(actions)


def test_welcome_sets_names_and_password(client):
    _request_code(client, MOBILE)
    client.post("/accounts/login/code/", {"code": last_code()})
    response = client.post(
        "/accounts/welcome/?next=/accounts/addresses/",
        {
            "first_name": "سارا",
            "last_name": "احمدی",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/addresses/"
    user = User.objects.get()
    assert user.get_full_name() == "سارا احمدی"
    assert user.check_password(PASSWORD)
    assert client.get("/accounts/").status_code == 200  # still signed in after the new hash


def test_existing_account_signs_in_with_code_and_keeps_its_data(client, user):
    _request_code(client, "+98 912 123 4567", next_url="/accounts/sessions/")
    response = client.post("/accounts/login/code/", {"code": last_code()})
    assert response["Location"] == "/accounts/sessions/"
    assert User.objects.count() == 1
    assert User.objects.get().check_password(PASSWORD)


def test_wrong_code_shows_a_persian_error(client):
    _request_code(client, MOBILE)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post("/accounts/login/code/", {"code": wrong})
    assert response.status_code == 200
    assert "کد واردشده درست نیست" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_code_request_does_not_reveal_whether_the_mobile_has_an_account():
    make_user(mobile="+989121111111")
    known, unknown = Client(), Client()
    a = _request_code(known, "09121111111")
    b = _request_code(unknown, "09122222222")
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    assert _neutral(known.get("/accounts/login/code/")) == _neutral(
        unknown.get("/accounts/login/code/")
    )


def _neutral(response) -> str:
    """The page without what differs by nature: the CSRF token and the masked number."""
    html = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())
    return re.sub(r"[۰-۹]{4}\*\*\*[۰-۹]{4}", "N", html)


@pytest.mark.parametrize(
    "login",
    [
        "09121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "+98 912 123 4567",
        "0098 912 1234567",
        "sara@example.com",
        "SARA@Example.com",
    ],
)
def test_password_signin_by_any_spelling_of_mobile_or_email(client, login):
    user = make_user(email="sara@example.com")
    response = client.post(
        "/accounts/login/", {"action": "password", "username": login, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_and_unknown_account_answer_the_same(client, user):
    wrong = client.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": "nope-nope-nope"}
    )
    unknown = Client().post(
        "/accounts/login/",
        {"action": "password", "username": "09350000000", "password": "nope-nope-nope"},
    )
    assert wrong.status_code == unknown.status_code == 200
    message = "نام کاربری یا گذرواژه درست نیست"
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert AuditEvent.objects.filter(action="accounts.signin_failed").count() == 2


def test_axes_locks_guessing_across_spellings_but_not_other_ips(client, user):
    spellings = ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "+989121234567", "0098 912 123 4567", "9121234567"]
    for spelling in spellings:
        client.post(
            "/accounts/login/",
            {"action": "password", "username": spelling, "password": "bad-bad-bad"},
        )
    locked = client.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "تلاش‌های ناموفق" in locked.content.decode()
    elsewhere = Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    assert elsewhere.status_code == 302
    from axes.models import AccessAttempt

    assert all("912" not in a.username for a in AccessAttempt.objects.all())


@pytest.mark.parametrize(
    "bad",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "\\\\evil.example",
        " //evil.example",
        "/%5Cevil.example",
        "http://testserver.evil.example/",
    ],
)
def test_next_never_leaves_the_site(client, user, bad):
    response = client.post(
        "/accounts/login/",
        {"action": "password", "username": MOBILE, "password": PASSWORD, "next": bad},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/" or response["Location"] == "/%5Cevil.example"
    again = client.get("/accounts/login/", {"next": bad})
    assert again["Location"] in ("/accounts/", "/%5Cevil.example")


def test_local_next_is_kept(client, user):
    response = client.post(
        "/accounts/login/?next=/accounts/addresses/",
        {
            "action": "password",
            "username": MOBILE,
            "password": PASSWORD,
            "next": "/accounts/addresses/",
        },
    )
    assert response["Location"] == "/accounts/addresses/"


def test_signout_ends_the_session_row(client, user):
    client.post(
        "/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD}
    )
    row = UserSession.objects.get()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert client.get("/accounts/").status_code == 302


def test_reset_by_mobile_texts_only_a_confirmed_number_and_answers_the_same(
    client, django_capture_on_commit_callbacks
):
    make_user(mobile="+989121111111")
    make_user(mobile="+989122222222", mobile_confirmed=False)
    answers = []
    for number in ("09121111111", "09122222222", "09123333333"):
        c = Client()
        with django_capture_on_commit_callbacks(execute=True):  # the reset task sends
            r = c.post("/accounts/password/reset/", {"identifier": number})
        answers.append((r.status_code, r["Location"]))
    assert len(set(answers)) == 1
    assert [m.address for m in sent(template="accounts/otp_code")] == ["+989121111111"]


def test_reset_by_mobile_code_sets_password_ends_sessions_and_signs_in(
    client, django_capture_on_commit_callbacks
):
    user = make_user()
    other = Client()
    other.post("/accounts/login/", {"action": "password", "username": MOBILE, "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):  # the reset task sends
        client.post("/accounts/password/reset/", {"identifier": "۰۹۱۲۱۲۳۴۵۶۷"})
    new = "violet-canyon-5521"
    response = client.post(
        "/accounts/password/reset/code/",
        {"code": last_code(), "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.check_password(new)
    assert other.get("/accounts/").status_code == 302  # the other browser was signed out
    assert UserSession.objects.filter(revoked_at__isnull=True).count() == 1


def test_reset_by_email_link_only_to_a_confirmed_email(client, django_capture_on_commit_callbacks):
    user = make_user(email="sara@example.com")
    make_user(mobile="+989122222222", email="pending@example.com", email_confirmed=False)
    for address in ("sara@example.com", "pending@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):  # the reset task sends
            r = Client().post("/accounts/password/reset/", {"identifier": address})
        assert r.status_code == 200 and "ایمیل خود را ببینید" in r.content.decode()
    messages = sent(template="accounts/password_reset")
    assert [m.address for m in messages] == ["sara@example.com"]
    link = last_link_path("sara@example.com")
    new = "violet-canyon-5521"
    form_url = client.get(link)["Location"]  # the token moves into the session (issue 9)
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get(link).status_code == 400  # a used link is dead


def last_link_path(email):
    from metavast.accounts.tests.conftest import last_link

    link = last_link(email, template="accounts/password_reset")
    return "/" + link.split("/", 3)[3]


def test_welcome_refuses_a_password_like_the_new_name_and_saves_nothing(client):
    _request_code(client, MOBILE)
    client.post("/accounts/login/code/", {"code": last_code()})
    response = client.post(
        "/accounts/welcome/",
        {
            "first_name": "Rostamzadeh",
            "last_name": "",
            "new_password1": "Rostamzadeh9x",
            "new_password2": "Rostamzadeh9x",
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    user = User.objects.get()
    assert user.first_name == "" and not user.has_usable_password()


def test_welcome_cannot_change_an_existing_password_without_step_up(client, user):
    client.force_login(user)
    response = client.post(
        "/accounts/welcome/",
        {
            "first_name": "x",
            "last_name": "y",
            "new_password1": "brand-new-pass-77",
            "new_password2": "brand-new-pass-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password("brand-new-pass-77")
