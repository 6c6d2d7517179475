"""Marketing consent per channel (P5): giving, withdrawing, one-click unsubscribe over real
SMTP, «لغو۱۱» replies through the Kavenegar callback and poll, the API."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metavast.accounts.models import User
from metavast.audit.models import AuditEvent
from metavast.consent import marketing
from metavast.consent.errors import ContactNotConfirmed
from metavast.consent.models import MarketingConsent
from metavast.consent.sms_replies import is_stop_reply, sms_replies_poll
from metavast.notifications.backends.kavenegar import KavenegarBackend
from metavast.notifications.errors import PurposeNotAllowed
from metavast.notifications.models import OutboxMessage, Purpose
from metavast.notifications.services import message_deliver, send_promotion
from metavast.notifications.tests.conftest import (  # noqa: F401 (fixtures)
    FakeKavenegar,
    KavenegarServer,
    smtp_server,
)

SITE = "https://shop.example.ir"
EMAIL = marketing.Channel.EMAIL
SMS = marketing.Channel.SMS
VERSION = marketing.MARKETING_CONSENT_TEXT_VERSION


def _user(n: int = 1, *, email_confirmed=True, mobile_confirmed=True, **extra) -> User:
    now = timezone.now()
    return User.objects.create_user(
        email=f"buyer{n}@example.com",
        mobile=f"+98912100{n:04d}",
        email_confirmed_at=now if email_confirmed else None,
        mobile_confirmed_at=now if mobile_confirmed else None,
        **extra,
    )


def _give(user, channel, source="profile", ip=None):
    return marketing.consent_give(
        user=user, channel=channel, source=source, text_version=VERSION, ip=ip
    )


# --- Giving and withdrawing ------------------------------------------------------------


@pytest.mark.django_db
def test_consent_is_off_by_default():
    user = _user()
    assert not marketing.may_send(user, EMAIL)
    assert not marketing.may_send(user, SMS)
    assert list(marketing.consenting_users(EMAIL)) == []
    assert MarketingConsent.objects.count() == 0


@pytest.mark.django_db
def test_giving_records_version_source_time_ip_and_is_audited():
    user = _user()
    before = timezone.now()
    row = _give(user, EMAIL, source="signup", ip="203.0.113.9")
    assert (row.channel, row.is_granted, row.source, row.text_version, row.ip) == (
        "email",
        True,
        "signup",
        VERSION,
        "203.0.113.9",
    )
    assert row.created_at >= before and row.created_at.utcoffset().total_seconds() == 0
    assert row.contact_index == user.email_index
    assert marketing.may_send(user, EMAIL)
    assert not marketing.may_send(user, SMS)  # per channel
    assert AuditEvent.objects.filter(action="consent.marketing_given").count() == 1


@pytest.mark.django_db
def test_only_a_confirmed_contact_can_be_consented():
    user = _user(email_confirmed=False)
    with pytest.raises(ContactNotConfirmed) as err:
        _give(user, EMAIL)
    assert "تأیید" in str(err.value.message)
    assert MarketingConsent.objects.count() == 0  # nothing written
    assert not marketing.may_send(user, EMAIL)


@pytest.mark.django_db
def test_withdrawal_works_at_once_is_logged_with_its_source_and_idempotent():
    user = _user()
    _give(user, SMS)
    row = marketing.consent_withdraw(user=user, channel=SMS, source="sms_reply")
    assert row is not None and not row.is_granted and row.source == "sms_reply"
    assert not marketing.may_send(user, SMS)
    assert marketing.consent_withdraw(user=user, channel=SMS, source="sms_reply") is None
    assert MarketingConsent.objects.filter(user=user).count() == 2
    event = AuditEvent.objects.get(action="consent.marketing_withdrawn")
    assert event.after["source"] == "sms_reply"


@pytest.mark.django_db
def test_consenting_users_is_exactly_the_active_consenting_confirmed_contacts():
    yes = _user(1)
    _give(yes, EMAIL)
    withdrawn = _user(2)
    _give(withdrawn, EMAIL)
    marketing.consent_withdraw(user=withdrawn, channel=EMAIL, source="profile")
    inactive = _user(3)
    _give(inactive, EMAIL)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    unconfirmed_later = _user(4)
    _give(unconfirmed_later, EMAIL)
    User.objects.filter(pk=unconfirmed_later.pk).update(email_confirmed_at=None)
    changed = _user(5)
    _give(changed, EMAIL)
    changed.email = "new-address@example.com"  # a new address starts without consent
    changed.save()
    sms_only = _user(6)
    _give(sms_only, SMS)
    _user(7)  # never asked

    assert set(marketing.consenting_users(EMAIL).values_list("pk", flat=True)) == {yes.pk}
    assert set(marketing.consenting_users(SMS).values_list("pk", flat=True)) == {sms_only.pk}
    for user in (withdrawn, inactive, unconfirmed_later, changed):
        assert not marketing.may_send(User.objects.get(pk=user.pk), EMAIL)
    assert marketing.may_send(yes, EMAIL)


# --- One-click unsubscribe -------------------------------------------------------------


@pytest.mark.django_db
def test_headers_carry_a_signed_https_link_and_one_click_post(settings):
    settings.SITE_URL = SITE
    user = _user()
    headers = marketing.list_unsubscribe_headers(user)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{SITE}/consent/unsubscribe/")
    assert marketing.user_from_token(marketing.unsubscribe_token(user, EMAIL)) == (user, "email")
    assert marketing.user_from_token(marketing.unsubscribe_token(user, EMAIL) + "x") is None


@pytest.mark.django_db
def test_unsubscribe_get_only_asks_post_withdraws_without_sign_in_and_is_idempotent():
    user = _user()
    _give(user, EMAIL)
    url = urlsplit(marketing.unsubscribe_url(user, EMAIL)).path
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and "بله، لغو شود" in page.content.decode()
    assert marketing.may_send(user, EMAIL)  # a link scanner's GET changes nothing
    for _ in range(2):
        done = client.post(url)
        assert done.status_code == 200 and "لغو شد" in done.content.decode()
    assert not marketing.may_send(user, EMAIL)
    assert list(
        MarketingConsent.objects.filter(user=user)
        .order_by("pk")
        .values_list("is_granted", "source")
    ) == [
        (True, "profile"),
        (False, "unsubscribe_link"),
    ]


@pytest.mark.django_db
def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing():
    user = _user()
    _give(user, EMAIL)
    token = marketing.unsubscribe_token(user, EMAIL)
    forged = token.replace(f"{user.pk}.email", f"{user.pk + 1}.email")
    response = Client().post(reverse("consent:unsubscribe", args=[forged + "A"]))
    assert response.status_code == 404
    assert marketing.may_send(user, EMAIL)


@pytest.mark.django_db
def test_one_click_unsubscribe_over_a_real_smtp_sink(smtp_server, settings):  # noqa: F811
    settings.SITE_URL = SITE
    user = _user()
    _give(user, EMAIL)
    message = send_promotion(
        user=user,
        channel=EMAIL,
        subject="پیشنهاد ویژهٔ پاییز",
        body=f"تخفیف‌های پاییزی\nلغو: {marketing.unsubscribe_url(user, EMAIL)}",
        html_body='<div dir="rtl">تخفیف‌های پاییزی</div>',
        headers=marketing.list_unsubscribe_headers(user),
    )
    assert message.purpose == Purpose.PROMOTION
    assert message_deliver(message_id=message.message_id) == "sent"

    (mail,) = smtp_server.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("https://")
    assert mail.get_body(("html",)) is not None
    # RFC 8058: the provider POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(link).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not marketing.may_send(User.objects.get(pk=user.pk), EMAIL)
    assert MarketingConsent.objects.latest_first().first().source == "unsubscribe_link"


@pytest.mark.django_db
def test_send_promotion_refuses_mail_without_unsubscribe_and_sms_without_suffix():
    user = _user()
    with pytest.raises(PurposeNotAllowed):
        send_promotion(user=user, channel=EMAIL, subject="x", body="x", headers={})
    with pytest.raises(PurposeNotAllowed):
        send_promotion(user=user, channel=SMS, body="تخفیف ویژه")
    assert OutboxMessage.objects.count() == 0
    sms = send_promotion(user=user, channel=SMS, body=f"تخفیف ویژه\n{marketing.PROMO_SMS_SUFFIX}")
    assert sms.body.endswith("لغو۱۱") and sms.email_headers == {}


# --- SMS replies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["11", "۱۱", "١١", "لغو", "لغو۱۱", "لغو ۱۱", " لغو  11 ", "لغو‌۱۱", "11 لغو", "لغو۱۱."],
)
def test_stop_replies_are_recognised(text):
    assert is_stop_reply(text)


@pytest.mark.parametrize("text", ["", "1", "111", "سلام", "لغو سفارش ۱۲", "12"])
def test_other_replies_are_not_stop(text):
    assert not is_stop_reply(text)


@pytest.mark.django_db
def test_lagv_11_in_persian_digits_through_the_callback_withdraws_sms_consent(settings):
    settings.KAVENEGAR_RECEIVE_SECRET = "s3cret-path"
    user = _user()
    _give(user, SMS)
    _give(user, EMAIL)
    url = reverse("consent:kavenegar_receive", args=["s3cret-path"])
    params = {"messageid": "9001", "from": "09121000001", "to": "10004346", "message": "لغو ۱۱"}
    response = Client(enforce_csrf_checks=True).post(url, params)
    assert response.status_code == 200
    assert not marketing.may_send(user, SMS)
    assert marketing.may_send(user, EMAIL)  # only the SMS channel
    assert marketing.current_state(user, SMS).source == "sms_reply"


@pytest.mark.django_db
def test_the_callback_needs_its_secret(settings):
    settings.KAVENEGAR_RECEIVE_SECRET = "s3cret-path"
    user = _user()
    _give(user, SMS)
    params = {"from": "09121000001", "message": "11"}
    wrong = Client().post(reverse("consent:kavenegar_receive", args=["guess"]), params)
    assert wrong.status_code == 404
    settings.KAVENEGAR_RECEIVE_SECRET = ""
    off = Client().post("/consent/sms/kavenegar/x/", params)
    assert off.status_code == 404
    assert marketing.may_send(user, SMS)


class InboxKavenegar(FakeKavenegar):
    """The notifications tests' fake Kavenegar, plus an inbox for `sms/receive`."""

    def __init__(self, inbox):
        super().__init__()
        self.inbox = list(inbox)

    def _accept(self, method, params):
        raise AssertionError("not used")

    def handle(self, path, params):
        if path.endswith("/sms/receive.json"):
            self.requests.append({"path": path, "params": params})
            if f"/v1/{self.api_key}/" not in path:
                return 200, json.dumps({"return": {"status": 403}, "entries": None}).encode(), 0
            entries, self.inbox = self.inbox, []  # Kavenegar marks them read
            body = {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}
            return 200, json.dumps(body, ensure_ascii=False).encode("utf-8"), 0
        return super().handle(path, params)


@pytest.mark.django_db
def test_polling_kavenegar_receive_withdraws_for_stop_replies_only(settings):
    stopper, chatter = _user(1), _user(2)
    _give(stopper, SMS)
    _give(chatter, SMS)
    fake = InboxKavenegar(
        [
            {"messageid": 1, "message": "لغو۱۱", "sender": "09121000001", "receptor": "10004346"},
            {"messageid": 2, "message": "سلام", "sender": "09121000002", "receptor": "10004346"},
            {"messageid": 3, "message": "11", "sender": "09350000000", "receptor": "10004346"},
        ]
    )
    server = KavenegarServer(fake)
    try:
        settings.KAVENEGAR_SENDER = "10004346"
        backend = KavenegarBackend(api_key=fake.api_key, base_url=fake.url, timeout=2)
        assert sms_replies_poll(backend=backend) == 1
        assert sms_replies_poll(backend=backend) == 0  # already read
    finally:
        server.stop()
    assert fake.requests[0]["params"] == {"linenumber": "10004346", "isread": "0"}
    assert not marketing.may_send(stopper, SMS)
    assert marketing.may_send(chatter, SMS)


# --- Pages and API ---------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_page_gives_withdraws_and_shows_history(client):
    user = _user()
    client.force_login(user)
    page = client.get(reverse("consent:marketing"))
    assert page.status_code == 200
    assert 'name="marketing_email" checked' not in page.content.decode()  # unticked
    client.post(reverse("consent:marketing"), {"marketing_email": "on"}, REMOTE_ADDR="198.51.100.7")
    assert marketing.may_send(user, EMAIL) and not marketing.may_send(user, SMS)
    assert marketing.current_state(user, EMAIL).ip == "198.51.100.7"
    client.post(reverse("consent:marketing"), {})
    assert not marketing.may_send(user, EMAIL)
    html = client.get(reverse("consent:marketing")).content.decode()
    assert "اجازه داده شد" in html and "لغو شد" in html


@pytest.mark.django_db
def test_profile_page_needs_sign_in(client):
    response = client.get(reverse("consent:marketing"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_api_reads_and_changes_ones_own_consents(client):
    user = _user(mobile_confirmed=False)
    client.force_login(user)
    state = client.get("/api/v1/consent/me/marketing").json()
    assert state["text_version"] == VERSION
    assert [(c["channel"], c["granted"]) for c in state["channels"]] == [
        ("email", False),
        ("sms", False),
    ]
    changed = client.put(
        "/api/v1/consent/me/marketing",
        data={"email": True, "text_version": VERSION},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["channels"][0]["granted"] is True
    assert marketing.current_state(user, EMAIL).source == "api"
    refused = client.put(
        "/api/v1/consent/me/marketing",
        data={"sms": True, "text_version": VERSION},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "consent.contact_not_confirmed"
    outdated = client.put(
        "/api/v1/consent/me/marketing",
        data={"email": True, "text_version": "old"},
        content_type="application/json",
    )
    assert outdated.status_code == 409
    withdrawn = client.put(
        "/api/v1/consent/me/marketing",
        data={"email": False, "text_version": ""},
        content_type="application/json",
    )
    assert withdrawn.json()["channels"][0]["granted"] is False
    assert client.logout() is None
    assert Client().get("/api/v1/consent/me/marketing").status_code == 401


def test_the_poll_does_nothing_unless_kavenegar_is_the_sms_provider(settings):
    settings.SMS_BACKEND = "metavast.notifications.backends.locmem.LocmemSMSBackend"
    settings.KAVENEGAR_API_KEY = "would-fail-if-used"
    assert sms_replies_poll() == 0
