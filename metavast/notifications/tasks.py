"""Celery tasks: thin wrappers over the services. The outbox owns retries, not Celery."""

from __future__ import annotations

import uuid

from celery import shared_task

from metavast.notifications.services import message_deliver, outbox_deliver_due


@shared_task(ignore_result=True)
def deliver_message(message_id: str) -> str:
    return message_deliver(message_id=uuid.UUID(message_id))


@shared_task(ignore_result=True)
def deliver_messages(message_ids: list[str]) -> list[str]:
    """The messages of one notification (`queue_after_commit`), one after the other."""
    return [message_deliver(message_id=uuid.UUID(message_id)) for message_id in message_ids]


@shared_task(ignore_result=True)
def deliver_due_messages() -> int:
    return sum(outbox_deliver_due().values())
