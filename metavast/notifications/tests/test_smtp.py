"""Email delivery over real SMTP (aiosmtpd on 127.0.0.1) through Django's SMTP backend."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from metavast.notifications import services
from metavast.notifications.models import OutboxMessage, Status

pytestmark = pytest.mark.django_db


def _email(make_user, **kwargs) -> OutboxMessage:
    (message,) = services.notify(
        user=make_user(**kwargs),
        template="accounts/otp_code",
        context={"code": "482913", "minutes": 5},
        channels=("email",),
    )
    return message


def test_email_goes_out_over_smtp_with_the_message_id(
    smtp_server, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _email(make_user)

    (received,) = smtp_server.messages
    assert smtp_server.envelopes == [("no-reply@metavast.ir", ["customer@example.com"])]
    assert received["To"] == "customer@example.com"
    assert str(received["Subject"]) == "کد تأیید متاوست"
    assert received["Message-ID"] == f"<{message.message_id}@metavast.ir>"
    assert received["Auto-Submitted"] == "auto-generated"
    # Text and right-to-left HTML alternatives of the same message.
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert "482913" in text.get_content()
    assert "482913" in html.get_content() and 'dir="rtl"' in html.get_content()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.provider_message_id == f"<{message.message_id}@metavast.ir>"


def test_a_refused_recipient_fails_permanently(smtp_server, make_user):
    smtp_server.rcpt_reply = "550 5.1.1 mailbox unavailable"
    message = _email(make_user)

    assert services.message_deliver(message_id=message.message_id) == "failed"

    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.FAILED, "smtp_recipient_refused_550")
    assert smtp_server.messages == []


def test_a_deferred_recipient_is_retried(smtp_server, make_user):
    smtp_server.rcpt_reply = "450 4.2.1 try again later"
    message = _email(make_user)

    assert services.message_deliver(message_id=message.message_id) == "retry"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.PENDING, "smtp_recipient_deferred")

    smtp_server.rcpt_reply = None
    assert services.outbox_deliver_due(now=message.next_attempt_at) == {"sent": 1}
    assert len(smtp_server.messages) == 1


def test_a_mail_server_outage_loses_nothing(smtp_server, make_user):
    message = _email(make_user)
    port = smtp_server.controller.port
    smtp_server.controller.stop()

    assert services.message_deliver(message_id=message.message_id) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.last_error.startswith("smtp_")

    controller = Controller(smtp_server, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_server.controller = controller
    later = timezone.now() + dt.timedelta(minutes=2)
    assert services.outbox_deliver_due(now=later) == {"sent": 1}
    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
