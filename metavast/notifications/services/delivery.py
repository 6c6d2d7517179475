"""Delivering outbox messages: claim, send, record; retries; the sweep; staff retry.

See `models.py` for the design (claims with a lease, claim tokens, `localid`). Everything
here runs outside the caller's transaction except `message_retry`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.core.queue import task_queue
from metavast.notifications.backends import SMS, DeliveryError, get_sms_backend
from metavast.notifications.backends.mail import send_email
from metavast.notifications.errors import InvalidStatusTransition, RetryNotAllowed
from metavast.notifications.models import ALLOWED_TRANSITIONS, Channel, OutboxMessage, Status

logger = logging.getLogger(__name__)


def queue_after_commit(*message_ids: uuid.UUID) -> None:
    """Deliver the messages once the current transaction commits, in one task publish: a
    notification's email and SMS go to the broker together (issue 16)."""
    ids = [str(message_id) for message_id in message_ids]

    def deliver_after_commit() -> None:
        # By name: tasks.py imports these services (core/queue.py says why).
        if len(ids) == 1:
            task_queue("metavast.notifications.tasks.deliver_message", ids[0])
        elif ids:
            task_queue("metavast.notifications.tasks.deliver_messages", ids)

    # robust: a broker outage at commit time must not break the caller; the periodic
    # sweep picks the messages up anyway.
    transaction.on_commit(deliver_after_commit, robust=True)


# --- Status ----------------------------------------------------------------------------


def _change_status(
    *,
    message_id: uuid.UUID,
    to: str,
    from_statuses: tuple[str, ...],
    holding: uuid.UUID | None = None,
    condition: Q | None = None,
    **fields,
) -> int:
    """The one place a message's status changes: a conditional UPDATE, checked against
    ALLOWED_TRANSITIONS. `holding` limits it to the worker that holds that claim token.
    Returns the number of rows changed (0 or 1): 0 means someone else got there first."""
    for current in from_statuses:
        if to not in ALLOWED_TRANSITIONS[current]:
            raise InvalidStatusTransition(fields={"status": [f"{current}->{to}"]})
    rows = OutboxMessage.objects.filter(message_id=message_id, status__in=from_statuses)
    if holding is not None:
        rows = rows.filter(claim_token=holding)
    if condition is not None:
        rows = rows.filter(condition)
    return rows.update(status=to, updated_at=timezone.now(), **fields)


# --- Delivery --------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off after the `attempts`-th failed attempt: base, 2·base, 4·base..."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def message_claim(*, message_id: uuid.UUID, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Take `message_id` for delivery, or return None if it is not due or someone has it.

    One conditional UPDATE, so of two workers racing for the same row exactly one wins.
    Counting the attempt here, not after sending, means a message that crashes its worker
    every time still runs out of attempts instead of looping forever.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    lease = dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    claimed = _change_status(
        message_id=message_id,
        to=Status.SENDING,
        from_statuses=(Status.PENDING, Status.SENDING),
        condition=Q(next_attempt_at__lte=now),
        claim_token=token,
        attempts=F("attempts") + 1,
        next_attempt_at=now + lease,
    )
    if not claimed:
        return None
    return OutboxMessage.objects.filter(message_id=message_id, claim_token=token).first()


def message_deliver(*, message_id: uuid.UUID, now: dt.datetime | None = None) -> str:
    """Claim and send one message. Returns "sent", "retry", "failed" or "skipped".

    Runs outside any transaction: no row lock is held while we wait for a provider.
    """
    now = now or timezone.now()
    message = message_claim(message_id=message_id, now=now)
    if message is None:
        return "skipped"
    log = {"message_id": str(message.message_id), "attempt": message.attempts}
    if message.expires_at is not None and message.expires_at <= now:
        return _record_failure(message, error="expired", retryable=False, now=now)
    try:
        provider_message_id = _send(message)
    except DeliveryError as exc:
        logger.warning("notification delivery failed", extra={**log, "error": exc.code})
        return _record_failure(message, error=exc.code, retryable=exc.retryable, now=now)
    except Exception as exc:  # an unexpected error must not lose the message
        error = f"unexpected_{type(exc).__name__}"
        logger.error("notification delivery crashed", extra={**log, "error": error})
        return _record_failure(message, error=error, retryable=True, now=now)
    done = _change_status(
        message_id=message.message_id,
        to=Status.SENT,
        from_statuses=(Status.SENDING,),
        holding=message.claim_token,
        claim_token=None,
        sent_at=timezone.now(),
        provider_message_id=provider_message_id[:100],
        last_error="",
    )
    if not done:
        # Our lease ran out and another worker took the message over; it records the
        # outcome (for SMS the provider answers its retry with our message, by localid).
        logger.warning("notification sent after its claim expired", extra=log)
    logger.info("notification sent", extra=log)
    return "sent"


def _send(message: OutboxMessage) -> str:
    if message.channel == Channel.EMAIL:
        return send_email(
            message_id=message.message_id,
            to=message.address,
            subject=message.subject,
            body=message.body,
            html_body=message.html_body,
            headers=message.email_headers or None,
        )
    return get_sms_backend().send(
        SMS(
            message_id=message.message_id,
            local_id=message.local_id,
            receptor=message.address,
            body=message.body,
            provider_template=message.provider_template,
            provider_token=message.provider_token,
        )
    )


def _record_failure(message: OutboxMessage, *, error: str, retryable: bool, now) -> str:
    if retryable and message.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
        _change_status(
            message_id=message.message_id,
            to=Status.PENDING,
            from_statuses=(Status.SENDING,),
            holding=message.claim_token,
            claim_token=None,
            next_attempt_at=now + retry_delay(message.attempts),
            last_error=error,
        )
        return "retry"
    _change_status(
        message_id=message.message_id,
        to=Status.FAILED,
        from_statuses=(Status.SENDING,),
        holding=message.claim_token,
        claim_token=None,
        last_error=error,
    )
    return "failed"


def outbox_deliver_due(*, now: dt.datetime | None = None, limit: int | None = None) -> Counter:
    """Deliver every due message (and reclaim expired claims), oldest first, up to `limit`.

    The periodic sweep: it catches messages whose on-commit task never ran (a broker
    outage, a crash between commit and enqueue), retries after back-off and recovers claims
    of crashed workers. Safe to run on several workers at once: each message is claimed.
    """
    now = now or timezone.now()
    limit = limit or settings.NOTIFICATIONS_SWEEP_BATCH
    due = list(OutboxMessage.objects.due(now).values_list("message_id", flat=True)[:limit])
    outcomes: Counter = Counter()
    for message_id in due:
        outcomes[message_deliver(message_id=message_id, now=now)] += 1
    return outcomes


# --- Staff -----------------------------------------------------------------------------


def message_retry(*, message: OutboxMessage, actor) -> OutboxMessage:
    """Staff: send a failed message again, with a fresh set of attempts. Audited."""
    now = timezone.now()
    with transaction.atomic():
        current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if current.status != Status.FAILED or (
            current.expires_at is not None and current.expires_at <= now
        ):
            raise RetryNotAllowed()
        _change_status(
            message_id=current.message_id,
            to=Status.PENDING,
            from_statuses=(Status.FAILED,),
            attempts=0,
            next_attempt_at=now,
        )
        audit_record(
            action="notifications.retry",
            actor=actor,
            subject=current,
            before={
                "status": current.status,
                "attempts": current.attempts,
                "last_error": current.last_error,
            },
            after={"status": Status.PENDING},
        )
        queue_after_commit(current.message_id)
    current.refresh_from_db()
    return current
