"""Background work: queued after commit, in-process without a broker, Redis with one."""

import os

import pytest
from celery import shared_task
from django.db import transaction

from config.celery import app

ran: list[int] = []


@shared_task
def record(value: int) -> int:
    ran.append(value)
    return value


@pytest.mark.django_db(transaction=True)
def test_task_queued_on_commit_runs_after_commit_only():
    ran.clear()
    with transaction.atomic():
        transaction.on_commit(lambda: record.delay(1))
        assert ran == []
    assert ran == [1]


@pytest.mark.django_db(transaction=True)
def test_task_queued_in_a_rolled_back_transaction_never_runs():
    ran.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: record.delay(2))
        raise RuntimeError("rollback")
    assert ran == []


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real broker)")
def test_redis_broker_accepts_and_returns_a_message():
    """Publish a real message through the configured broker and read it back."""
    from kombu import Queue

    queue = Queue("metavast-test-broker", routing_key="metavast-test-broker")
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.transport_cls in {"redis", "rediss"} or "redis" in str(conn.transport)
        with conn.channel() as channel:
            bound = queue(channel)
            bound.declare()
            bound.purge()
            producer = conn.Producer(channel)
            producer.publish({"hello": "broker"}, routing_key=queue.routing_key, declare=[queue])
            message = bound.get(no_ack=True)
            assert message is not None and message.payload == {"hello": "broker"}
            bound.delete()
