"""P4: abandoned checkout drafts (which may hold another person's details) are deleted after
ORDER_RECEIVER_RETENTION_DAYS, by checkout's own daily job (orders no longer reaches up to
do it)."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from metavast.checkout.models import CheckoutDraft
from metavast.checkout.services import checkout_draft_get, checkout_drafts_erase
from metavast.core.queue import task_queue
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _draft_touched_days_ago(days: int, **fields) -> CheckoutDraft:
    draft = checkout_draft_get(user=make_customer())
    CheckoutDraft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days), **fields
    )
    return draft


def test_drafts_past_retention_are_deleted_and_recent_ones_kept(settings):
    settings.ORDER_RECEIVER_RETENTION_DAYS = 30
    old = _draft_touched_days_ago(
        31, receiver_is_self=False, receiver_first_name="مینا", receiver_mobile="09351234567"
    )
    recent = _draft_touched_days_ago(29)

    assert checkout_drafts_erase() == 1

    assert not CheckoutDraft.objects.filter(pk=old.pk).exists()
    assert CheckoutDraft.objects.filter(pk=recent.pk).exists()
    assert checkout_drafts_erase() == 0


def test_the_daily_job_runs_it():
    _draft_touched_days_ago(settings.ORDER_RECEIVER_RETENTION_DAYS + 1)
    kept = _draft_touched_days_ago(1)

    assert task_queue("metavast.checkout.tasks.erase_old_drafts").get() == 1

    assert list(CheckoutDraft.objects.values_list("pk", flat=True)) == [kept.pk]
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "metavast.checkout.tasks.erase_old_drafts" in schedule
