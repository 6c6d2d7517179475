"""Campaign services: compose, schedule, preview, test-send, send in throttled chunks.

Sending is a periodic job (`campaigns_send_due`, every minute). Each run queues at most
`MARKETING_SEND_RATE_PER_MINUTE` messages, in chunks of `MARKETING_SEND_CHUNK_SIZE`, each
chunk in its own transaction and each spread over the minute with the outbox's
`not_before`, so a large campaign drips out at the configured rate instead of flooding the
provider. A person is queued once per campaign (a unique `CampaignRecipient` row), so a run
that dies half-way is simply continued by the next one.

Consent is checked at send time, person by person (`may_send`), not when the campaign was
composed: someone who left yesterday gets nothing today. SMS promotions never go out during
the quiet hours (`MARKETING_SMS_QUIET_HOURS`, Tehran time): a run inside them queues
nothing, and a chunk whose slot would fall inside them waits until they end.

Transactional messages (codes, orders, invoices) do not come through here and the outbox's
`notify` path knows nothing of marketing consent, so opting out never blocks them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.consent.marketing import (
    Channel,
    list_unsubscribe_headers,
    may_send,
    unsubscribe_url,
)
from metavast.consent.models import MarketingConsent
from metavast.core.jalali import TEHRAN
from metavast.marketing.errors import (
    CampaignIncomplete,
    CampaignTooLong,
    InvalidCampaignTransition,
    NoConfirmedContact,
    ScheduleInPast,
)
from metavast.marketing.models import (
    ALLOWED_TRANSITIONS,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
)
from metavast.marketing.rendering import (
    PLACEHOLDER_NAME,
    campaign_preview,
    email_html,
    email_text,
    sms_parts,
    sms_text,
)
from metavast.marketing.segments import segment_size, segment_users
from metavast.notifications.models import Status as MessageStatus
from metavast.notifications.rendering import SMS_MAX_LENGTH
from metavast.notifications.services import send_promotion


def _name_of(user) -> str:
    return (getattr(user, "first_name", "") or "").strip() or PLACEHOLDER_NAME


def _queue_to(campaign: Campaign, user, *, not_before: dt.datetime | None):
    name = _name_of(user)
    if campaign.channel == Channel.SMS:
        return send_promotion(
            user=user,
            channel=Channel.SMS,
            body=sms_text(campaign.body_text, name=name),
            template="marketing/campaign",
            not_before=not_before,
        )
    link = unsubscribe_url(user, Channel.EMAIL)
    return send_promotion(
        user=user,
        channel=Channel.EMAIL,
        subject=campaign.subject,
        body=email_text(campaign, name=name, unsubscribe=link),
        html_body=email_html(campaign, name=name, unsubscribe=link),
        headers=list_unsubscribe_headers(user),
        template="marketing/campaign",
        not_before=not_before,
    )


__all__ = [
    "campaign_cancel",
    "campaign_counts",
    "campaign_preview",
    "campaign_save",
    "campaign_schedule",
    "campaign_send_step",
    "campaign_test_send",
    "campaign_unschedule",
    "campaigns_send_due",
    "is_quiet_hour",
    "quiet_hours_end",
    "sms_parts",
    "sms_text",
]


# --- Composing and scheduling ----------------------------------------------------------


def _check_content(campaign: Campaign) -> None:
    if not campaign.body_text.strip():
        raise CampaignIncomplete()
    if campaign.channel == Channel.EMAIL and not campaign.subject.strip():
        raise CampaignIncomplete()
    if campaign.channel == Channel.SMS and len(sms_text(campaign.body_text)) > SMS_MAX_LENGTH:
        raise CampaignTooLong()


def _set_status(campaign: Campaign, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS[campaign.status]:
        raise InvalidCampaignTransition(fields={"status": [f"{campaign.status}->{to}"]})
    campaign.status = to


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


@transaction.atomic
def campaign_save(*, campaign: Campaign, actor, changed: list[str] | None = None) -> Campaign:
    """Create or edit a campaign (drafts and scheduled ones only). Audited: which fields."""
    is_new = campaign.pk is None
    if not is_new:
        current = _lock(campaign)
        if current.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise InvalidCampaignTransition(fields={"status": [current.status]})
    if campaign.channel == Channel.SMS:
        campaign.subject = ""
        campaign.body_html = ""
    if campaign.channel == Channel.SMS and len(sms_text(campaign.body_text)) > SMS_MAX_LENGTH:
        raise CampaignTooLong()
    if is_new:
        campaign.created_by = actor
    campaign.save()
    audit_record(
        action="marketing.campaign_composed",
        actor=actor,
        subject=campaign,
        after={"channel": campaign.channel, "new": is_new, "fields": sorted(changed or [])},
    )
    return campaign


@transaction.atomic
def campaign_schedule(
    *, campaign: Campaign, at: dt.datetime, actor, now: dt.datetime | None = None
) -> Campaign:
    """Schedule sending at `at`. Audited with the segment's size at this moment."""
    now = now or timezone.now()
    campaign = _lock(campaign)
    _check_content(campaign)
    if at < now - dt.timedelta(minutes=1):
        raise ScheduleInPast()
    _set_status(campaign, CampaignStatus.SCHEDULED)
    campaign.scheduled_at = at
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    audit_record(
        action="marketing.campaign_scheduled",
        actor=actor,
        subject=campaign,
        after={"scheduled_at": at.isoformat(), "segment_size": segment_size(campaign, now=now)},
    )
    return campaign


@transaction.atomic
def campaign_unschedule(*, campaign: Campaign, actor) -> Campaign:
    campaign = _lock(campaign)
    _set_status(campaign, CampaignStatus.DRAFT)
    campaign.scheduled_at = None
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    audit_record(action="marketing.campaign_unscheduled", actor=actor, subject=campaign)
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> Campaign:
    """Stop a campaign; messages already in the outbox still go (they were consented)."""
    campaign = _lock(campaign)
    _set_status(campaign, CampaignStatus.CANCELLED)
    campaign.finished_at = now or timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit_record(
        action="marketing.campaign_cancelled",
        actor=actor,
        subject=campaign,
        after={"queued": campaign.recipients.count()},
    )
    return campaign


@transaction.atomic
def campaign_test_send(*, campaign: Campaign, actor):
    """Send the campaign to the staff member's own confirmed contact on its channel.

    Goes through the same outbox path as the real thing (suffix, headers); it is not
    counted in the campaign and never looks at anyone else."""
    _check_content(campaign)
    contact = actor.confirmed_email if campaign.channel == Channel.EMAIL else actor.confirmed_mobile
    if not contact:
        raise NoConfirmedContact()
    message = _queue_to(campaign, actor, not_before=None)
    if message is None:
        raise NoConfirmedContact()
    audit_record(
        action="marketing.campaign_test_sent",
        actor=actor,
        subject=campaign,
        after={"channel": campaign.channel},
    )
    return message


# --- Sending ---------------------------------------------------------------------------


def is_quiet_hour(moment: dt.datetime) -> bool:
    """True inside the SMS quiet hours (Tehran time), e.g. (22, 8) = 22:00 to 07:59."""
    start, end = settings.MARKETING_SMS_QUIET_HOURS
    hour = moment.astimezone(TEHRAN).hour
    if start <= end:
        return start <= hour < end
    return hour >= start or hour < end


def quiet_hours_end(moment: dt.datetime) -> dt.datetime:
    """`moment` itself outside the quiet hours, else the first minute after them."""
    if not is_quiet_hour(moment):
        return moment
    local = moment.astimezone(TEHRAN)
    _, end = settings.MARKETING_SMS_QUIET_HOURS
    candidate = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate


def _chunk_start(now: dt.datetime, index: int, chunk_size: int, rate: int) -> dt.datetime:
    """When chunk `index` of this run may go: spread evenly at `rate` messages a minute."""
    return now + dt.timedelta(seconds=index * chunk_size * 60 / rate)


def campaign_send_step(
    *, campaign: Campaign, now: dt.datetime | None = None, budget: int | None = None
) -> dict[str, int]:
    """Queue the next messages of one due campaign, within `budget`. Returns counts."""
    now = now or timezone.now()
    rate = max(int(settings.MARKETING_SEND_RATE_PER_MINUTE), 1)
    chunk_size = max(int(settings.MARKETING_SEND_CHUNK_SIZE), 1)
    budget = rate if budget is None else budget
    result = {"queued": 0, "skipped": 0, "chunks": 0}
    if campaign.channel == Channel.SMS and is_quiet_hour(now):
        return result
    with transaction.atomic():
        locked = _lock(campaign)
        if locked.status == CampaignStatus.SCHEDULED:
            _set_status(locked, CampaignStatus.SENDING)
            locked.started_at = now
            locked.save(update_fields=["status", "started_at", "updated_at"])
            audit_record(
                action="marketing.campaign_started",
                subject=locked,
                after={"segment_size": segment_size(locked, now=now)},
            )
        elif locked.status != CampaignStatus.SENDING:
            return result
    campaign = locked
    index = 0
    while budget > 0:
        size = min(chunk_size, budget)
        with transaction.atomic():
            _lock(campaign)
            candidates = list(
                segment_users(campaign, now=now)
                .exclude(pk__in=CampaignRecipient.objects.filter(campaign=campaign).values("user"))
                .order_by("pk")[:size]
            )
            if not candidates:
                break
            not_before = _chunk_start(now, index, chunk_size, rate)
            if campaign.channel == Channel.SMS:
                not_before = quiet_hours_end(not_before)
            for user in candidates:
                message = None
                if may_send(user, campaign.channel):
                    message = _queue_to(campaign, user, not_before=not_before)
                # Recorded even when skipped, so the person is not looked at again.
                CampaignRecipient.objects.create(
                    campaign=campaign, user=user, message=message, queued_at=now
                )
                if message is None:
                    result["skipped"] += 1
                else:
                    result["queued"] += 1
            result["chunks"] += 1
        budget -= len(candidates)
        index += 1
        if len(candidates) < size:
            break
    remaining = (
        segment_users(campaign, now=now)
        .exclude(pk__in=CampaignRecipient.objects.filter(campaign=campaign).values("user"))
        .exists()
    )
    if not remaining:
        with transaction.atomic():
            locked = _lock(campaign)
            if locked.status == CampaignStatus.SENDING:
                _set_status(locked, CampaignStatus.SENT)
                locked.finished_at = now
                locked.save(update_fields=["status", "finished_at", "updated_at"])
                counts = campaign_counts(campaign=locked)
                audit_record(
                    action="marketing.campaign_sent",
                    subject=locked,
                    after={"queued": counts["queued"]},
                )
    return result


def campaigns_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: advance every due campaign, sharing one rate budget per run."""
    now = now or timezone.now()
    budget = max(int(settings.MARKETING_SEND_RATE_PER_MINUTE), 1)
    total = {"queued": 0, "skipped": 0, "chunks": 0, "campaigns": 0}
    for campaign in Campaign.objects.due(now):
        if budget <= 0:
            break
        step = campaign_send_step(campaign=campaign, now=now, budget=budget)
        budget -= step["queued"] + step["skipped"]
        for key, value in step.items():
            total[key] += value
        total["campaigns"] += 1
    return total


# --- Results ---------------------------------------------------------------------------


def campaign_counts(*, campaign: Campaign) -> dict[str, int]:
    """Queued, sent, failed and unsubscribed (withdrew on this channel after it started).

    Aggregates only: two COUNT queries, no person is loaded."""
    recipients = CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False)
    counts = recipients.aggregate(
        queued=Count("pk"),
        sent=Count("pk", filter=Q(message__status=MessageStatus.SENT)),
        failed=Count("pk", filter=Q(message__status=MessageStatus.FAILED)),
    )
    unsubscribed = 0
    if campaign.started_at:
        unsubscribed = (
            MarketingConsent.objects.filter(
                channel=campaign.channel,
                is_granted=False,
                created_at__gte=campaign.started_at,
                user__in=recipients.values("user"),
            )
            .values("user")
            .distinct()
            .count()
        )
    return {**counts, "unsubscribed": unsubscribed}
