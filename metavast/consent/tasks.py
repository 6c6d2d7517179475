"""Celery tasks of the consent app: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from metavast.consent.sms_replies import sms_replies_poll


@shared_task(ignore_result=True)
def poll_sms_replies() -> int:
    """«۱۱» / «لغو» replies fetched from Kavenegar's receive API (sms_replies.py)."""
    return sms_replies_poll()
