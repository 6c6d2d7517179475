"""The SMS code page (exact lifetime, resend wait, edit number), names, national code, empty
profile, and `next=` through sign-in and profile completion back to checkout."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from metavast.accounts.models import OneTimeCode, User
from metavast.accounts.tests.conftest import MOBILE, last_code, make_user, signin
from metavast.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _start_signin(client, next_url="/checkout/"):
    return client.post(
        "/accounts/login/", {"action": "code", "mobile": "۰۹۱۲۱۲۳۴۵۶۷", "next": next_url}
    )


def test_code_page_states_exact_lifetime_resend_wait_and_edit_number(client, settings):
    settings.OTP_CODE_TTL_SECONDS = 120
    settings.OTP_RESEND_COOLDOWN_SECONDS = 60
    _start_signin(client)
    page = _page(client.get("/accounts/login/code/"))
    assert "این کد ۲ دقیقه پس از ارسال اعتبار دارد" in page
    assert "چند دقیقه" not in page
    resend = re.search(r'<form[^>]*data-code-timer[^>]*data-resend-in="(\d+)"', page)
    assert resend and 55 <= int(resend.group(1)) <= 60
    assert re.search(r'<button class="btn secondary" type="submit" disabled>ارسال دوبارهٔ کد', page)
    assert "ارسال دوبارهٔ کد تا" in page
    assert 'href="/accounts/login/?next=%2Fcheckout%2F">ویرایش شماره</a>' in page
    assert 'src="/static/accounts/code-timer.js"' in page


def test_code_page_enables_resend_once_the_wait_is_over(client, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 60
    _start_signin(client)
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    page = _page(client.get("/accounts/login/code/"))
    assert 'data-resend-in="0"' in page
    assert '<button class="btn secondary" type="submit">ارسال دوبارهٔ کد' in page


def test_code_page_lifetime_follows_the_setting(client, settings):
    settings.OTP_CODE_TTL_SECONDS = 90
    _start_signin(client)
    assert "این کد ۱ دقیقه و ۳۰ ثانیه پس از ارسال اعتبار دارد" in _page(
        client.get("/accounts/login/code/")
    )


def test_cooldown_message_has_persian_digits(client):
    _start_signin(client)
    response = client.post("/accounts/login/code/", {"action": "resend"}, follow=True)
    page = _page(response)
    assert "ثانیه صبر کنید" in page
    message = re.search(r"برای درخواست کد تازه (\S+) ثانیه", page).group(1)
    assert re.fullmatch(r"[۰-۹]+", message), message


@pytest.mark.parametrize(
    "first, shown",
    [("علی😀", "😀"), ("سارا★", "★"), ("مریم۱", "۱"), ("<b>", "<"), ("نرگس@", "@")],
)
def test_profile_refuses_emoji_symbols_and_digits_in_names(client, user, first, shown):
    signin(client, user)
    response = client.post("/accounts/profile/", {"first_name": first, "last_name": "رضایی"})
    page = _page(response)
    assert response.status_code == 200
    assert "نام فقط می‌تواند حرف، فاصله، نیم‌فاصله، خط تیره (-) و آپاستروف (&#x27;) داشته باشد" in (
        page
    )
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("", "")


@pytest.mark.parametrize(
    "first, last",
    [("نیک‌نام", "رضایی"), ("ژان-پیر", "O'Neil"), ("آناهیتا", "آل‌احمد"), ("Zoë", "Ó Briain")],
)
def test_profile_accepts_letters_spaces_zwnj_hyphen_apostrophe(client, user, first, last):
    signin(client, user)
    response = client.post("/accounts/profile/", {"first_name": first, "last_name": last})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == (first, last)


def test_empty_profile_is_refused(client, user):
    signin(client, user)
    response = client.post("/accounts/profile/", {"first_name": "", "last_name": "  "})
    page = _page(response)
    assert response.status_code == 200
    assert "نام را بنویسید." in page and "نام خانوادگی را بنویسید." in page
    assert not AuditEvent.objects.filter(action="accounts.profile_updated").exists()


def test_wrong_check_digit_has_its_own_message(client, user):
    signin(client, user)
    names = {"first_name": "علی", "last_name": "رضایی"}
    check = _page(client.post("/accounts/profile/", {**names, "national_code": "۰۰۱۰۳۵۰۸۲۸"}))
    length = _page(client.post("/accounts/profile/", {**names, "national_code": "۱۲۳۴۵"}))
    assert "رقم کنترل این کد ملی درست نیست" in check and "ده رقم است" not in check
    assert "کد ملی ده رقم است" in length and "رقم کنترل" not in length
    user.refresh_from_db()
    assert user.first_name == "" and user.national_code == ""


def test_api_profile_refuses_an_emoji_name_by_field(client, user):
    signin(client, user)
    response = client.patch(
        "/api/v1/accounts/me",
        {"first_name": "علی🙂", "national_code": "0010350828"},
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 422
    assert set(body["fields"]) == {"first_name", "national_code"}
    user.refresh_from_db()
    assert user.first_name == ""


def test_next_survives_signin_and_profile_completion_back_to_checkout(client: Client):
    make_user(mobile=MOBILE)  # an existing account with no name yet
    response = client.get("/checkout/")
    assert response["Location"].startswith("/accounts/login/?next=/checkout/")
    _start_signin(client, next_url="/checkout/")
    response = client.post("/accounts/login/code/", {"code": last_code()})
    assert response["Location"] == "/checkout/"
    response = client.get("/checkout/")
    assert response["Location"] == "/accounts/profile/?next=%2Fcheckout%2F"
    page = _page(client.get(response["Location"]))
    assert '<input type="hidden" name="next" value="/checkout/">' in page
    assert "ذخیره و ادامه" in page
    response = client.post(
        "/accounts/profile/?next=%2Fcheckout%2F",
        {"first_name": "سارا", "last_name": "احمدی", "next": "/checkout/"},
    )
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert User.objects.get().get_full_name() == "سارا احمدی"


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_profile_next_must_be_a_local_path(client, user, evil):
    signin(client, user)
    response = client.post(
        "/accounts/profile/", {"first_name": "سارا", "last_name": "احمدی", "next": evil}
    )
    assert response["Location"] == "/accounts/"


def test_used_email_link_says_already_confirmed_and_offers_nothing(client, user):
    from metavast.accounts.tests.conftest import last_link, sent

    signin(client, user, fresh=True)
    client.post("/accounts/email/", {"email": "sara@example.com"})
    link = last_link("sara@example.com")
    path = re.sub(r"^https?://[^/]+", "", link)
    assert "sara" not in path and "example" not in path
    [message] = sent(template="accounts/email_confirm")
    assert 'dir="rtl"' in message.html_body and ">تأیید این ایمیل</a>" in message.html_body
    first = _page(client.get(path))
    assert "تأیید این ایمیل</button>" in first
    client.post(path)
    user.refresh_from_db()
    assert user.confirmed_email == "sara@example.com"
    again = _page(client.get(path))
    assert "پیش‌تر تأیید شده است" in again
    assert '<form method="post">' not in again and "تأیید این ایمیل</button>" not in again
    client.post(path)
    assert AuditEvent.objects.filter(action="accounts.email_confirmed").count() == 1
