"""The embedded default's file SMS backend and production's not-yet-configured email."""

from __future__ import annotations

import json

import pytest

from metavast.notifications import services
from metavast.notifications.models import Status

from .conftest import MOBILE

pytestmark = pytest.mark.django_db

OTP = {"code": "482913", "minutes": 2}


def test_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "metavast.notifications.backends.filebased.FileSMSBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    message = services.send_verification(
        channel="sms", address=MOBILE, template="accounts/otp_code", context=OTP
    )

    assert services.message_deliver(message_id=message.message_id) == "sent"

    (written,) = (tmp_path / "sms").iterdir()
    assert written.name == f"{message.message_id}.json"
    record = json.loads(written.read_text("utf-8"))
    assert record["receptor"] == MOBILE and "482913" in record["body"]
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_production_without_a_mail_server_keeps_emails_waiting(settings):
    settings.EMAIL_BACKEND = "metavast.notifications.backends.mail.NotConfiguredEmailBackend"
    message = services.send_verification(
        channel="email",
        address="new@example.com",
        template="accounts/email_confirm",
        context={"link": "https://metavast.ir/c/", "name": ""},
    )

    assert services.message_deliver(message_id=message.message_id) == "retry"

    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.PENDING, "email_not_configured")
