"""Issue 9, item 14: each SMS code says what it is for and ends with the WebOTP line.

One text used to serve sign-in, reset, step-up and mobile change, so a code phished for a
"sign-in" could confirm a sensitive change unnoticed. The last line `@<domain> #<code>`
(https://wicg.github.io/web-otp/) binds the code to our site for browsers and keyboards.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from metavast.accounts.models import CodePurpose
from metavast.accounts.services.codes import code_request, webotp_domain
from metavast.accounts.tests.conftest import MOBILE, make_user, sent, signin
from metavast.notifications import rendering
from metavast.notifications import services as notifications
from metavast.notifications.models import OutboxMessage
from metavast.notifications.tests.conftest import kavenegar  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SITE = "https://shop.example.ir"
# What each purpose's SMS must say, in full, on its first line.
FIRST_LINES = {
    CodePurpose.SIGNIN: "کد ورود یا ثبت‌نام در متاوست: {code}",
    CodePurpose.RESET: "کد بازیابی گذرواژه در متاوست: {code}",
    CodePurpose.STEPUP: "کد تأیید هویت برای یک تغییر حساس در متاوست: {code}",
    CodePurpose.CHANGE_MOBILE: "کد تأیید شمارهٔ همراه تازه در متاوست: {code}",
    CodePurpose.CONFIRM_MOBILE: "کد تأیید شمارهٔ همراه در متاوست: {code}",
}
# Two UCS-2 SMS parts: Persian texts are billed per 67 characters after the first 70.
TWO_PARTS = 134


def _text(purpose: str) -> tuple[str, str]:
    code_request(mobile=MOBILE, purpose=purpose, ip="198.51.100.1")
    body = sent(channel="sms", template="accounts/otp_code", address=MOBILE)[-1].body
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", body).group(1)
    return body, code


def test_every_purpose_has_its_own_words():
    assert set(FIRST_LINES) == set(CodePurpose.values)


@pytest.mark.parametrize("purpose", CodePurpose.values)
def test_the_sms_says_what_the_code_is_for_and_ends_with_the_webotp_line(settings, purpose):
    settings.SITE_URL = SITE

    body, code = _text(purpose)

    lines = body.split("\n")
    assert lines[0] == FIRST_LINES[purpose].format(code=code)
    assert lines[1] == "این کد تا ۲ دقیقه معتبر است؛ آن را به هیچ‌کس ندهید."
    assert lines[-1] == f"@shop.example.ir #{code}"
    assert len(body) <= TWO_PARTS


def test_the_first_lines_of_all_purposes_differ(settings):
    settings.SITE_URL = SITE
    firsts = set()
    for purpose in CodePurpose.values:
        body, code = _text(purpose)
        firsts.add(body.split("\n")[0].replace(code, "<code>"))

    assert len(firsts) == len(CodePurpose.values)


@pytest.mark.parametrize(
    ("site_url", "allowed_hosts", "domain"),
    [
        ("https://Shop.Example.ir:8443/", ["other.example"], "shop.example.ir"),
        ("", ["*", "127.0.0.1", "[::1]", ".metavast.ir", "www.metavast.ir"], "metavast.ir"),
        ("", ["*", "10.0.0.5", "shop.example.ir"], "shop.example.ir"),
        ("https://127.0.0.1:8000", ["localhost"], "localhost"),
        ("https://فروشگاه.ایران", [], "xn--mgbtj4c7ad63e.xn--mgba3a4f16a"),
        ("", ["*", "127.0.0.1"], ""),
    ],
)
def test_the_domain_is_the_site_url_host_else_the_first_real_allowed_host(
    settings, site_url, allowed_hosts, domain
):
    settings.SITE_URL = site_url
    settings.ALLOWED_HOSTS = allowed_hosts

    assert webotp_domain() == domain


def test_without_a_domain_the_sms_has_no_webotp_line(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]

    body, code = _text(CodePurpose.SIGNIN)

    assert body == (
        f"کد ورود یا ثبت‌نام در متاوست: {code}\nاین کد تا ۲ دقیقه معتبر است؛ آن را به هیچ‌کس ندهید."
    )


def test_the_email_version_names_the_purpose_too(settings):
    settings.SITE_URL = SITE
    rendered = rendering.render(
        "accounts/otp_code",
        "email",
        {"code": "482913", "minutes": 2, "purpose_text": "کد بازیابی گذرواژه"},
    )

    assert rendered.subject == "کد بازیابی گذرواژه در متاوست"
    assert "کد بازیابی گذرواژه شما در متاوست: 482913" in rendered.body


def test_the_kavenegar_lookup_template_still_gets_the_code(kavenegar, settings):  # noqa: F811
    """With a panel template, verify/lookup sends the same code as token (the panel's text,
    which must carry the purpose and the WebOTP line, replaces ours)."""
    settings.SITE_URL = SITE
    settings.KAVENEGAR_LOOKUP_TEMPLATES = {"accounts/otp_code": "metavast-otp"}

    body, code = _text(CodePurpose.STEPUP)
    message = OutboxMessage.objects.get(template="accounts/otp_code")

    assert message.provider_template == "metavast-otp"
    assert message.provider_token == code
    assert body.endswith(f"@shop.example.ir #{code}")
    assert notifications.message_deliver(message_id=message.message_id) == "sent"
    (request,) = kavenegar.requests
    assert request["path"] == f"/v1/{kavenegar.api_key}/verify/lookup.json"
    assert request["params"] == {
        "receptor": "09121234567",
        "template": "metavast-otp",
        "token": code,
    }


# --- the code inputs on the web pages ---------------------------------------------------------


def _input(html: str, name: str) -> str:
    tags = re.findall(r"<input\b[^>]*>", html)
    (tag,) = [t for t in tags if f'name="{name}"' in t]
    return tag


def _assert_one_time_code_input(html: str, name: str = "code") -> None:
    tag = _input(html, name)
    assert 'autocomplete="one-time-code"' in tag
    assert 'inputmode="numeric"' in tag
    assert 'dir="ltr"' in tag


def test_the_sign_in_code_input(client):
    client.post("/accounts/login/", {"action": "code", "mobile": MOBILE})

    _assert_one_time_code_input(client.get("/accounts/login/code/").content.decode())


def test_the_step_up_code_input(client):
    user = make_user()
    signin(client, user)

    page = client.post("/accounts/verify/", {"action": "send", "next": "/accounts/"})

    _assert_one_time_code_input(page.content.decode())


def test_the_password_reset_code_input(client):
    make_user()
    page = client.post("/accounts/password/reset/", {"identifier": MOBILE}, follow=True)

    _assert_one_time_code_input(page.content.decode())


def test_the_mobile_confirm_code_input(client):
    user = make_user(mobile_pending="+989351112233", mobile_pending_at=timezone.now())
    signin(client, user)

    _assert_one_time_code_input(client.get("/accounts/mobile/confirm/").content.decode())


def test_the_staff_authenticator_code_input(client):
    staff = make_user(is_staff=True)
    signin(client, staff)

    _assert_one_time_code_input(client.get("/accounts/staff/2fa/").content.decode(), "token")
