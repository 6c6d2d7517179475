"""The outbox: every email and SMS we mean to send, written in the caller's transaction.

A message row commits or rolls back together with the event that caused it (a sign-up, a
paid order), so we never announce something that did not happen and never forget something
that did. Delivery happens after commit, outside any transaction, by a Celery task and a
periodic sweep that both go through one claim:

- A worker *claims* a message with one conditional UPDATE (pending, or sending with an
  expired lease → sending, attempts + 1, a fresh claim token, lease until `next_attempt_at`).
  The database lets only one of two racing workers match the row, on SQLite and PostgreSQL.
- The worker then calls the provider and records the outcome with another conditional
  UPDATE that also names its claim token, so a worker whose lease expired cannot overwrite
  the outcome of the worker that took over.
- A worker that dies after the claim leaves the row in `sending`; once the lease passes the
  sweep claims it again. Nothing is lost. To make that retry safe for SMS we pass
  `local_id` (derived from the unique `message_id`) to Kavenegar, which answers a repeated
  `localid` with the first message instead of sending again. Email has no such switch at
  the SMTP level; the `Message-ID` header is the message id so receivers can deduplicate,
  and the lease is far longer than the SMTP timeout so a live send is not retried.

Addresses and bodies are personal data (bodies carry codes and links): encrypted at rest.
`last_error` holds only our own short codes, never a provider's text (which may quote the
address).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from metavast.core.fields import EncryptedCharField, EncryptedTextField


class Channel(models.TextChoices):
    EMAIL = "email", "ایمیل"
    SMS = "sms", "پیامک"


class Purpose(models.TextChoices):
    # To a user's confirmed contact, through notify().
    ACCOUNT = "account", "حساب کاربری"
    # A code or link to an address being confirmed, through send_verification().
    VERIFICATION = "verification", "تأیید نشانی"
    # The shipping SMS to an order's receiver (P4), through send_to_address().
    ORDER_SHIPPING = "order_shipping", "ارسال سفارش به گیرنده"
    # A promotion to a customer who consented on this channel, through send_promotion().
    PROMOTION = "promotion", "تبلیغاتی"


# Iranian operators require every promotional SMS to end with this (send_promotion checks).
PROMO_SMS_SUFFIX = "لغو۱۱"


class Status(models.TextChoices):
    # Waiting for its first or next attempt at `next_attempt_at`.
    PENDING = "pending", "در صف"
    # Claimed by a worker; the claim (lease) lasts until `next_attempt_at`.
    SENDING = "sending", "در حال ارسال"
    # The provider confirmed it accepted the message.
    SENT = "sent", "ارسال‌شده"
    # Given up: a permanent error, attempts exhausted, or expired. Staff may retry.
    FAILED = "failed", "ناموفق"


# The only moves a status may make; `services._change_status` enforces this table.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.SENDING, Status.FAILED}),
    # SENDING → SENDING is a new worker reclaiming an expired lease.
    Status.SENDING: frozenset({Status.SENDING, Status.SENT, Status.PENDING, Status.FAILED}),
    Status.FAILED: frozenset({Status.PENDING}),
    Status.SENT: frozenset(),
}


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now):
        """Pending messages whose time has come, and claims whose lease has run out."""
        return self.filter(
            status__in=(Status.PENDING, Status.SENDING), next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")

    def failed(self):
        return self.filter(status=Status.FAILED)


class OutboxMessage(models.Model):
    message_id = models.UUIDField("شناسهٔ پیام", default=uuid.uuid4, editable=False)
    channel = models.CharField("روش", max_length=8, choices=Channel.choices)
    purpose = models.CharField("منظور", max_length=20, choices=Purpose.choices)
    address = EncryptedCharField("گیرنده", max_length=254)
    template = models.CharField("قالب", max_length=100)
    # Subjects come from our templates but name orders, erasures and disclosures: they are
    # blanked with the body (privacy.retention "outbox"). Bodies may carry codes.
    subject = models.CharField("موضوع", max_length=200, blank=True)
    body = EncryptedTextField("متن")
    # Promotions only (send_promotion): the HTML part, and the List-Unsubscribe headers
    # (RFC 2369 / RFC 8058) whose signed link is personal: the HTML is encrypted like the body.
    html_body = EncryptedTextField("متن HTML", blank=True, default="")
    email_headers = models.JSONField("سرآیندهای ایمیل", default=dict, blank=True)
    # For SMS sent through a provider-side template (Kavenegar verify/lookup).
    provider_template = models.CharField("قالب سرویس‌دهنده", max_length=100, blank=True)
    provider_token = EncryptedCharField("توکن قالب", max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="کاربر",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "وضعیت", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField("تلاش‌ها", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی")
    claim_token = models.UUIDField("توکن برداشت", null=True, blank=True, editable=False)
    # A code or a link that is useless after a while is not sent after this moment.
    expires_at = models.DateTimeField("انقضا", null=True, blank=True)
    last_error = models.CharField("آخرین خطا", max_length=100, blank=True)
    provider_message_id = models.CharField("شناسه نزد سرویس‌دهنده", max_length=100, blank=True)
    created_at = models.DateTimeField("ایجاد", auto_now_add=True)
    updated_at = models.DateTimeField("به‌روزرسانی", auto_now=True)
    sent_at = models.DateTimeField("ارسال", null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "پیام خروجی"
        verbose_name_plural = "پیام‌های خروجی"
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="notifications_message_id_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="notifications_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_due_idx"),
        ]
        permissions = [("retry_outboxmessage", "فرستادن دوبارهٔ پیام‌های ناموفق")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.message_id}"

    @property
    def local_id(self) -> int:
        """A positive 63-bit number for Kavenegar's `localid` (a Long), from the message id.

        Not the primary key: keys restart when a database is recreated, and a reused
        `localid` would make the provider silently answer with an old message.
        """
        return self.message_id.int >> 65

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)


def mask_address(address: str) -> str:
    """+989123456789 → +98912***6789; someone@example.com → so***@example.com."""
    if not address:
        return ""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    if len(address) <= 7:
        return "***"
    return f"{address[:6]}***{address[-4:]}"
