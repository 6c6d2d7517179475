"""Writing to the outbox: confirmed contacts only (P2), named purposes only (P4)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from metavast.notifications import services
from metavast.notifications.backends import locmem
from metavast.notifications.errors import (
    InvalidAddress,
    PurposeNotAllowed,
    TemplateMissing,
    UnknownChannel,
)
from metavast.notifications.models import Channel, OutboxMessage, Purpose, Status

from .conftest import MOBILE, OTHER_MOBILE

pytestmark = pytest.mark.django_db

OTP = {"code": "482913", "minutes": 2}


def test_notify_writes_one_message_per_confirmed_contact(make_user):
    user = make_user()

    messages = services.notify(user=user, template="accounts/otp_code", context=OTP)

    assert sorted(m.channel for m in messages) == ["email", "sms"]
    by_channel = {m.channel: m for m in OutboxMessage.objects.all()}
    assert by_channel["email"].address == user.email
    assert by_channel["sms"].address == MOBILE
    assert all(m.status == Status.PENDING and m.attempts == 0 for m in by_channel.values())
    assert all(m.user_id == user.pk and m.purpose == Purpose.ACCOUNT for m in messages)
    assert "482913" in by_channel["sms"].body
    assert by_channel["email"].subject == "کد تأیید متاوست"
    assert by_channel["email"].expires_at is not None


def test_address_and_body_are_encrypted_at_rest(make_user):
    user = make_user()
    (message,) = services.notify(
        user=user, template="accounts/otp_code", context=OTP, channels=("sms",)
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, body FROM notifications_outboxmessage WHERE id = %s", [message.pk]
        )
        address, body = cursor.fetchone()
    assert MOBILE not in address and "9123456789" not in address
    assert "482913" not in body


def test_notify_refuses_unconfirmed_contacts(make_user, django_capture_on_commit_callbacks):
    user = make_user(email_confirmed=False, mobile_confirmed=False)
    assert user.email and user.mobile  # the contacts exist, they are just not confirmed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages = services.notify(user=user, template="accounts/otp_code", context=OTP)

    assert messages == []
    assert OutboxMessage.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == [] and locmem.outbox == []


def test_notify_sends_only_to_the_confirmed_one_of_two_contacts(make_user):
    user = make_user(email_confirmed=True, mobile_confirmed=False)

    messages = services.notify(
        user=user, template="accounts/password_changed", context={"when": timezone.now()}
    )

    assert [m.channel for m in messages] == ["email"]
    assert OutboxMessage.objects.filter(channel=Channel.SMS).count() == 0


def test_notify_rolls_back_with_the_callers_transaction(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(user=user, template="orders/paid", context={"order_number": "1404-17"})
        raise RuntimeError("the order could not be paid after all")

    assert OutboxMessage.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == [] and locmem.outbox == []


def test_delivery_is_queued_after_commit_and_sends_each_message_once(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(
            user=user,
            template="orders/shipped",
            context={"order_number": "1404-17", "tracking_code": "TRK123"},
        )
    assert len(callbacks) == 1  # the notification's two messages: one task publish
    assert mail.outbox == [] and locmem.outbox == []  # nothing leaves before commit

    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1 and len(locmem.outbox) == 1
    sent_mail = mail.outbox[0]
    assert sent_mail.to == [user.email]
    assert sent_mail.subject == "سفارش ۱۴۰۴-۱۷ ارسال شد"
    assert "TRK123" in sent_mail.body
    assert locmem.outbox[0].receptor == MOBILE
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert all(m.sent_at and m.provider_message_id for m in OutboxMessage.objects.all())


def test_a_notifications_messages_are_published_as_one_task_after_commit(
    make_user, django_capture_on_commit_callbacks, monkeypatch
):
    from metavast.notifications.services import delivery

    published = []
    monkeypatch.setattr(delivery, "task_queue", lambda name, *args: published.append((name, args)))
    user = make_user()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        both = services.notify(user=user, template="orders/paid", context={"order_number": "2"})
        sms = services.notify(
            user=user, template="orders/paid", context={"order_number": "3"}, channels=("sms",)
        )
    assert published == []  # nothing before commit
    for callback in callbacks:
        callback()

    assert published == [
        ("metavast.notifications.tasks.deliver_messages", ([str(m.message_id) for m in both],)),
        ("metavast.notifications.tasks.deliver_message", (str(sms[0].message_id),)),
    ]
    assert len(both) == 2


def test_a_channel_without_its_template_is_skipped_with_a_warning(make_user, caplog):
    user = make_user()

    with caplog.at_level(logging.WARNING, logger="metavast.notifications.services"):
        messages = services.notify(
            user=user, template="accounts/email_confirm", context={"link": "https://x/", "name": ""}
        )

    assert [m.channel for m in messages] == ["email"]
    assert any(
        r.getMessage() == "notification channel has no template" and r.channel == "sms"
        for r in caplog.records
    )


def test_a_template_missing_for_every_channel_is_an_error(make_user):
    user = make_user()

    with pytest.raises(TemplateMissing) as missing:
        services.notify(user=user, template="accounts/email_confirm", context={}, channels=("sms",))
    assert missing.value.code == "notifications.template_missing"
    with pytest.raises(TemplateMissing):
        services.notify(user=user, template="accounts/no_such_template", context={})
    assert OutboxMessage.objects.count() == 0


def test_unknown_channels_are_refused(make_user):
    with pytest.raises(UnknownChannel):
        services.notify(user=make_user(), template="orders/paid", context={}, channels=("fax",))
    assert OutboxMessage.objects.count() == 0


def test_send_verification_reaches_an_unconfirmed_address_in_any_digits():
    message = services.send_verification(
        channel="sms", address="۰۹۱۲ ۳۴۵ ۶۷۸۹", template="accounts/otp_code", context=OTP
    )

    assert message.address == MOBILE
    assert message.purpose == Purpose.VERIFICATION and message.user is None


def test_send_verification_email_keeps_the_link_unescaped():
    link = "https://metavast.ir/accounts/confirm/?t=abc&u=1"

    message = services.send_verification(
        channel="email",
        address="New.Person@Example.COM",
        template="accounts/email_confirm",
        context={"link": link, "name": "سارا"},
    )

    assert message.address == "New.Person@example.com"
    assert link in message.body and "&amp;" not in message.body
    assert "سارا" not in message.body  # no free text to an unconfirmed address (issue 9)


@pytest.mark.parametrize(
    "template", ["accounts/password_reset", "orders/paid", "accounts/contact_changed"]
)
def test_send_verification_refuses_other_templates(template):
    with pytest.raises(PurposeNotAllowed):
        services.send_verification(channel="sms", address=MOBILE, template=template, context={})
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize("address", ["021 8877 6655", "12345", "", "not-a-number"])
def test_send_verification_refuses_what_is_not_a_mobile(address):
    with pytest.raises(InvalidAddress):
        services.send_verification(
            channel="sms", address=address, template="accounts/otp_code", context=OTP
        )
    assert OutboxMessage.objects.count() == 0


def test_receiver_shipping_sms_goes_through_the_named_purpose():
    message = services.send_to_address(
        channel="sms",
        address="0935 111 2233",
        template="orders/receiver_shipping",
        context={"order_number": "1404-17", "tracking_code": "TRK9", "shop_name": "متاوست"},
        purpose="order_shipping",
    )

    assert message.address == OTHER_MOBILE
    assert message.purpose == Purpose.ORDER_SHIPPING and message.user is None
    assert "TRK9" in message.body and "۱۴۰۴-۱۷" in message.body


@pytest.mark.parametrize(
    ("channel", "template", "purpose"),
    [
        ("sms", "orders/receiver_shipping", "marketing"),
        ("sms", "orders/receiver_shipping", ""),
        ("sms", "orders/shipped", "order_shipping"),
        ("sms", "accounts/otp_code", "order_shipping"),
        ("email", "orders/receiver_shipping", "order_shipping"),
        ("sms", "orders/receiver_shipping", "account"),
        ("sms", "orders/receiver_shipping", "verification"),
    ],
)
def test_messages_to_arbitrary_addresses_are_refused_outside_the_allow_list(
    channel, template, purpose
):
    with pytest.raises(PurposeNotAllowed):
        services.send_to_address(
            channel=channel,
            address=OTHER_MOBILE if channel == "sms" else "someone@example.com",
            template=template,
            context={"order_number": "1"},
            purpose=purpose,
        )
    assert OutboxMessage.objects.count() == 0


def test_an_expired_code_is_not_sent(make_user):
    (message,) = services.notify(
        user=make_user(), template="accounts/otp_code", context=OTP, channels=("sms",)
    )

    outcome = services.message_deliver(
        message_id=message.message_id, now=timezone.now() + dt.timedelta(minutes=3)
    )

    message.refresh_from_db()
    assert outcome == "failed"
    assert (message.status, message.last_error) == (Status.FAILED, "expired")
    assert locmem.outbox == []


def test_a_claimed_message_cannot_be_claimed_again(make_user):
    (message,) = services.notify(
        user=make_user(), template="orders/paid", context={"order_number": "7"}, channels=("sms",)
    )

    first = services.message_claim(message_id=message.message_id)
    second = services.message_claim(message_id=message.message_id)

    assert first is not None and first.status == Status.SENDING and first.attempts == 1
    assert second is None
