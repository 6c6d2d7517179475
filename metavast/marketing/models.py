"""Campaigns (P5): promotional email or SMS to a segment of customers who opted in.

Staff compose a campaign and choose a segment by rules (bought in a category, province or
city, last order before/after a date, cart abandoned). They see how many people the segment
reaches, never who: `CampaignRecipient` exists only so sending is idempotent (one message per
person per campaign, even when a chunk is retried) and so the counts can be taken; it has no
admin, no page and no export.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from metavast.consent.marketing import Channel


class CampaignStatus(models.TextChoices):
    # Being written; nothing goes out.
    DRAFT = "draft", "پیش‌نویس"
    # Will start at `scheduled_at` (the periodic task picks it up).
    SCHEDULED = "scheduled", "زمان‌بندی‌شده"
    # Messages are being queued in chunks, at the configured rate.
    SENDING = "sending", "در حال ارسال"
    # Every recipient has been queued.
    SENT = "sent", "ارسال‌شده"
    # Stopped by staff before it finished.
    CANCELLED = "cancelled", "لغوشده"


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.CANCELLED}),
    CampaignStatus.SCHEDULED: frozenset(
        {CampaignStatus.DRAFT, CampaignStatus.SENDING, CampaignStatus.CANCELLED}
    ),
    CampaignStatus.SENDING: frozenset({CampaignStatus.SENT, CampaignStatus.CANCELLED}),
    CampaignStatus.SENT: frozenset(),
    CampaignStatus.CANCELLED: frozenset(),
}


class CampaignQuerySet(models.QuerySet):
    def due(self, now):
        """Scheduled campaigns whose time has come, and those still sending."""
        return self.filter(
            models.Q(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
            | models.Q(status=CampaignStatus.SENDING)
        ).order_by("scheduled_at", "pk")


class Campaign(models.Model):
    name = models.CharField("نام کارزار", max_length=120)
    channel = models.CharField("روش", max_length=8, choices=Channel.choices)
    # Email only. The subject is stored in clear in the outbox: no personal data in it.
    subject = models.CharField("موضوع ایمیل", max_length=200, blank=True)
    body_text = models.TextField(
        "متن پیام",
        help_text="برای پیامک، «لغو۱۱» خودکار به پایان متن افزوده می‌شود. "
        "{نام} جای نام گیرنده می‌نشیند.",
    )
    body_html = models.TextField(
        "متن HTML ایمیل",
        blank=True,
        help_text="فقط برای ایمیل؛ در قالب ساده و راست‌به‌چپ فروشگاه قرار می‌گیرد.",
    )
    # The segment: every rule that is set must hold (AND); none set means everyone who
    # opted in on the channel.
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name="خرید از دسته",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="سفارش پرداخت‌شده یا تحویل‌شده با کالایی از این دسته یا زیردسته‌هایش.",
    )
    province = models.CharField("استان نشانی سفارش", max_length=40, blank=True)
    city = models.CharField("شهر نشانی سفارش", max_length=60, blank=True)
    last_order_after = models.DateField("آخرین سفارش از تاریخ", null=True, blank=True)
    last_order_before = models.DateField("آخرین سفارش پیش از تاریخ", null=True, blank=True)
    cart_abandoned_days = models.PositiveSmallIntegerField(
        "سبد رهاشده (روز)",
        null=True,
        blank=True,
        help_text="سبدی با کالا که این چند روز دست نخورده و پس از آن سفارشی ثبت نشده.",
    )
    status = models.CharField(
        "وضعیت", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    started_at = models.DateTimeField("آغاز ارسال", null=True, blank=True)
    finished_at = models.DateTimeField("پایان ارسال", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="نویسنده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("ایجاد", auto_now_add=True)
    updated_at = models.DateTimeField("به‌روزرسانی", auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "کارزار"
        verbose_name_plural = "کارزارها"
        ordering = ("-created_at", "-pk")
        permissions = [
            ("send_campaign", "زمان‌بندی کارزار و فرستادن پیام آزمایشی"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(models.Model):
    """One person queued for one campaign: makes queuing idempotent and counts possible.

    Never shown to staff (no admin, no page, no export)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", verbose_name="کارزار"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="کاربر"
    )
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="پیام",
    )
    queued_at = models.DateTimeField("زمان صف")

    class Meta:
        verbose_name = "گیرندهٔ کارزار"
        verbose_name_plural = "گیرندگان کارزار"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_recipient_once")
        ]

    def __str__(self) -> str:
        # No name, no contact: this row is never shown, and if it were it says nothing.
        return f"recipient {self.pk} of campaign {self.campaign_id}"
