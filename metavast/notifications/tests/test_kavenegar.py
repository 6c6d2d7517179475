"""SMS delivery against a fake Kavenegar HTTP server: retries, outages, crashes, no doubles."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from metavast.notifications import services
from metavast.notifications.backends import SMS, PermanentDeliveryError, get_sms_backend
from metavast.notifications.backends.kavenegar import to_receptor
from metavast.notifications.models import OutboxMessage, Status
from metavast.notifications.services import delivery

from .conftest import MOBILE, KavenegarServer

pytestmark = pytest.mark.django_db

ORDER = {"order_number": "1404-17"}


def _sms(make_user, template="orders/paid", context=ORDER) -> OutboxMessage:
    (message,) = services.notify(
        user=make_user(), template=template, context=context, channels=("sms",)
    )
    return message


def _reload(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


def test_sms_is_posted_with_receptor_sender_text_and_localid(kavenegar, make_user):
    message = _sms(make_user)

    outcome = services.message_deliver(message_id=message.message_id)

    assert outcome == "sent"
    (request,) = kavenegar.requests
    assert request["path"] == f"/v1/{kavenegar.api_key}/sms/send.json"
    assert request["params"]["receptor"] == "09123456789"
    assert request["params"]["sender"] == "10004346"
    assert request["params"]["localid"] == str(message.local_id)
    assert "۱۴۰۴-۱۷" in request["params"]["message"]
    message = _reload(message)
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.provider_message_id == str(kavenegar.deliveries[0]["messageid"])
    assert message.sent_at is not None and message.claim_token is None


def test_local_id_is_a_positive_63_bit_number_unique_per_message(make_user):
    first, second = _sms(make_user), _sms(make_user)

    assert 0 < first.local_id < 2**63 and 0 < second.local_id < 2**63
    assert first.local_id != second.local_id


def test_retries_back_off_exponentially_then_deliver(kavenegar, make_user, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    kavenegar.fail_next("http500", "malformed", "status:409")
    message = _sms(make_user)
    start = timezone.now()

    delays = []
    now = start
    for expected_error in (
        "kavenegar_http_500_malformed",
        "kavenegar_http_200_malformed",
        "kavenegar_409",
    ):
        assert services.message_deliver(message_id=message.message_id, now=now) == "retry"
        current = _reload(message)
        assert (current.status, current.last_error) == (Status.PENDING, expected_error)
        delays.append((current.next_attempt_at - now).total_seconds())
        # Not due a second early: the sweep leaves it alone.
        assert (
            services.outbox_deliver_due(now=current.next_attempt_at - dt.timedelta(seconds=1)) == {}
        )
        now = current.next_attempt_at

    assert delays == [30, 60, 120]
    assert services.outbox_deliver_due(now=now) == {"sent": 1}
    current = _reload(message)
    assert (current.status, current.attempts) == (Status.SENT, 4)
    assert len(kavenegar.deliveries) == 1
    assert set(kavenegar.local_ids()) == {str(message.local_id)}


def test_back_off_is_capped(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 3600

    assert [services.retry_delay(n).total_seconds() for n in (1, 2, 7, 8, 20)] == [
        30,
        60,
        1920,
        3600,
        3600,
    ]


def test_a_permanent_error_fails_at_once_and_is_not_retried(kavenegar, make_user):
    kavenegar.fail_next("status:411")
    message = _sms(make_user)

    assert services.message_deliver(message_id=message.message_id) == "failed"

    message = _reload(message)
    assert (message.status, message.attempts, message.last_error) == (
        Status.FAILED,
        1,
        "kavenegar_411",
    )
    later = timezone.now() + dt.timedelta(days=1)
    assert services.outbox_deliver_due(now=later) == {}
    assert len(kavenegar.requests) == 1


def test_attempts_run_out_then_staff_retry_delivers(kavenegar, make_user, settings, admin_user):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    kavenegar.fail_next("status:418", "status:418", "status:418")  # no credit, three times
    message = _sms(make_user)
    now = timezone.now()

    outcomes = []
    for _ in range(3):
        outcomes.append(services.message_deliver(message_id=message.message_id, now=now))
        now = _reload(message).next_attempt_at
    assert outcomes == ["retry", "retry", "failed"]
    failed = _reload(message)
    assert (failed.status, failed.attempts, failed.last_error) == (
        Status.FAILED,
        3,
        "kavenegar_418",
    )

    retried = services.message_retry(message=failed, actor=admin_user)
    assert (retried.status, retried.attempts) == (Status.PENDING, 0)
    assert services.outbox_deliver_due() == {"sent": 1}
    assert _reload(message).status == Status.SENT
    assert len(kavenegar.deliveries) == 1


@pytest.mark.parametrize("ambiguity", ["slow", "accept_then_500"])
def test_an_ambiguous_failure_is_retried_with_the_same_localid_and_sent_once(
    kavenegar, make_user, ambiguity
):
    """The provider took the message but its answer was lost; the retry must not resend."""
    kavenegar.fail_next(ambiguity)
    message = _sms(make_user)

    first = services.message_deliver(message_id=message.message_id)
    assert first == "retry"
    assert _reload(message).last_error in {"kavenegar_timeout", "kavenegar_http_500_malformed"}
    assert services.outbox_deliver_due(now=_reload(message).next_attempt_at) == {"sent": 1}

    assert len(kavenegar.requests) == 2
    assert kavenegar.local_ids() == [str(message.local_id)] * 2
    assert len(kavenegar.deliveries) == 1
    message = _reload(message)
    assert message.status == Status.SENT
    assert message.provider_message_id == str(kavenegar.deliveries[0]["messageid"])


def test_a_crashed_worker_loses_nothing_and_sends_nothing_twice(kavenegar, make_user, settings):
    """A worker claims, hands the SMS to Kavenegar, and dies before recording it."""
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    message = _sms(make_user)
    now = timezone.now()
    claimed = services.message_claim(message_id=message.message_id, now=now)
    get_sms_backend().send(
        SMS(
            message_id=claimed.message_id,
            local_id=claimed.local_id,
            receptor=claimed.address,
            body=claimed.body,
        )
    )
    # ...and the process is killed here.
    assert _reload(message).status == Status.SENDING

    # While the lease holds, nobody else touches it.
    assert services.outbox_deliver_due(now=now + dt.timedelta(seconds=299)) == {}
    # After it, the sweep takes it over, once.
    assert services.outbox_deliver_due(now=now + dt.timedelta(seconds=301)) == {"sent": 1}
    assert services.outbox_deliver_due(now=now + dt.timedelta(days=1)) == {}

    message = _reload(message)
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert kavenegar.local_ids() == [str(message.local_id)] * 2
    assert len(kavenegar.deliveries) == 1
    assert message.provider_message_id == str(kavenegar.deliveries[0]["messageid"])


def test_a_stale_worker_cannot_overwrite_the_outcome_of_its_successor(kavenegar, make_user):
    message = _sms(make_user)
    now = timezone.now()
    stale = services.message_claim(message_id=message.message_id, now=now)
    later = now + dt.timedelta(hours=1)
    assert services.message_deliver(message_id=message.message_id, now=later) == "sent"

    changed = delivery._change_status(
        message_id=message.message_id,
        to=Status.PENDING,
        from_statuses=(Status.SENDING,),
        holding=stale.claim_token,
        last_error="stale",
    )

    assert changed == 0
    assert _reload(message).status == Status.SENT


def test_a_provider_outage_loses_nothing(kavenegar, make_user, settings):
    messages = [_sms(make_user) for _ in range(3)]
    port = kavenegar.server.port
    kavenegar.server.stop()  # Kavenegar is down: connection refused

    now = timezone.now()
    assert services.outbox_deliver_due(now=now) == {"retry": 3}
    assert {(_reload(m).status, _reload(m).last_error) for m in messages} == {
        (Status.PENDING, "kavenegar_unreachable")
    }

    kavenegar.server = KavenegarServer(kavenegar, port=port)  # back up
    assert services.outbox_deliver_due(now=now + dt.timedelta(minutes=5)) == {"sent": 3}
    assert {_reload(m).status for m in messages} == {Status.SENT}
    assert sorted(d["localid"] for d in kavenegar.deliveries) == sorted(
        str(m.local_id) for m in messages
    )


def test_a_timeout_is_bounded(kavenegar, make_user, settings):
    settings.KAVENEGAR_TIMEOUT = 0.3
    kavenegar.slow_seconds = 3
    kavenegar.fail_next("slow")
    message = _sms(make_user)

    started = timezone.now()
    assert services.message_deliver(message_id=message.message_id) == "retry"

    assert (timezone.now() - started).total_seconds() < 2
    assert _reload(message).last_error == "kavenegar_timeout"


def test_an_unconfigured_account_keeps_messages_pending(kavenegar, make_user, settings):
    settings.KAVENEGAR_API_KEY = ""
    message = _sms(make_user)

    assert services.message_deliver(message_id=message.message_id) == "retry"

    assert _reload(message).last_error == "kavenegar_not_configured"
    assert kavenegar.requests == []


def test_a_wrong_api_key_is_retryable_not_lost(kavenegar, make_user, settings):
    settings.KAVENEGAR_API_KEY = "wrong-key"
    message = _sms(make_user)

    assert services.message_deliver(message_id=message.message_id) == "retry"
    assert _reload(message).status == Status.PENDING


def test_codes_use_verify_lookup_when_a_panel_template_is_configured(
    kavenegar, make_user, settings
):
    settings.KAVENEGAR_LOOKUP_TEMPLATES = {"accounts/otp_code": "metavast-otp"}
    message = services.send_verification(
        channel="sms",
        address=MOBILE,
        template="accounts/otp_code",
        context={"code": "482913", "minutes": 2},
    )

    assert services.message_deliver(message_id=message.message_id) == "sent"

    (request,) = kavenegar.requests
    assert request["path"] == f"/v1/{kavenegar.api_key}/verify/lookup.json"
    assert request["params"] == {
        "receptor": "09123456789",
        "template": "metavast-otp",
        "token": "482913",
    }


def test_nothing_personal_in_errors_or_logs(kavenegar, make_user, caplog):
    kavenegar.fail_next("status:411")
    message = _sms(make_user)

    with caplog.at_level(logging.DEBUG):
        services.message_deliver(message_id=message.message_id)

    text = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    assert "9123456789" not in text and kavenegar.api_key not in text
    assert "9123456789" not in _reload(message).last_error


@pytest.mark.parametrize(
    ("e164", "receptor"), [("+989123456789", "09123456789"), ("+989351112233", "09351112233")]
)
def test_receptor_is_the_national_form(e164, receptor):
    assert to_receptor(e164) == receptor


@pytest.mark.parametrize("e164", ["+14155550100", "+98912345678", "09123456789", ""])
def test_a_receptor_that_is_not_an_iranian_mobile_is_permanent(e164):
    with pytest.raises(PermanentDeliveryError):
        to_receptor(e164)
