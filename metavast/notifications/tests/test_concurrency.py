"""Workers racing for the same messages on PostgreSQL: each message goes out exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from metavast.core.testing import run_concurrently
from metavast.notifications import services
from metavast.notifications.models import OutboxMessage, Status
from metavast.notifications.services import delivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers: int, work) -> list:
    results = run_concurrently([work] * workers)
    assert [e for _, e in results if e] == []
    return [result for result, _ in results]


@pytest.fixture(autouse=True)
def _no_delivery_at_commit(monkeypatch):
    # Here every commit is real and Celery is eager: keep the messages for the workers.
    monkeypatch.setattr(delivery, "queue_after_commit", lambda *message_ids: None)


def _sms_messages(make_user, count: int) -> list[OutboxMessage]:
    messages = []
    for _ in range(count):
        messages += services.notify(
            user=make_user(),
            template="orders/paid",
            context={"order_number": "9"},
            channels=("sms",),
        )
    return messages


def test_concurrent_deliveries_of_one_message_send_it_once(kavenegar, make_user):
    (message,) = _sms_messages(make_user, 1)

    outcomes = _race(8, lambda: services.message_deliver(message_id=message.message_id))

    assert Counter(outcomes) == {"sent": 1, "skipped": 7}
    assert len(kavenegar.requests) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_concurrent_sweeps_send_every_message_exactly_once(kavenegar, make_user):
    messages = _sms_messages(make_user, 30)

    outcomes = _race(4, lambda: services.outbox_deliver_due())

    total = Counter()
    for outcome in outcomes:
        total.update(outcome)
    assert total["sent"] == 30
    local_ids = kavenegar.local_ids()
    assert len(local_ids) == 30 and len(set(local_ids)) == 30
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert {str(m.local_id) for m in messages} == set(local_ids)
