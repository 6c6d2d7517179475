"""Data exports and erasure requests: the customer's own rights (items 3 and 4 of issue 11).

A `DataCopy` is one ZIP of the customer's own data. It is built in the background, stored
sealed under PRIVATE_STORAGE_ROOT/privacy/, and handed over once through a random one-time
link (only its SHA-256 is stored) that is valid for PRIVACY_EXPORT_HOURS; the file is
destroyed on download or expiry. A staff member may ask for one on a customer's written
request: the link still goes only to the customer's confirmed contacts (P8).

An `ErasureRequest` waits PRIVACY_ERASURE_GRACE_DAYS (cancellable), then the account is
anonymised by the periodic job; the row stays as the proof that it was done, with no
personal data on it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from metavast.core.fields import EncryptedTextField


class ExportStatus(models.TextChoices):
    # Asked for; the background task has not built it yet.
    PENDING = "pending", "در حال آماده‌سازی"
    # Built and sealed; the one-time link is out and still valid.
    READY = "ready", "آمادهٔ دریافت"
    # Downloaded once; the file is gone.
    DOWNLOADED = "downloaded", "دریافت‌شده"
    # The link's window closed before anyone used it; the file is gone.
    EXPIRED = "expired", "منقضی‌شده"


class DataCopyQuerySet(models.QuerySet):
    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))

    def for_user(self, user):
        return self.filter(user=user)

    def open(self):
        return self.filter(status__in=(ExportStatus.PENDING, ExportStatus.READY))

    def expired_links(self, now: dt.datetime):
        return self.filter(status=ExportStatus.READY, expires_at__lte=now)

    def stuck_builds(self, now: dt.datetime):
        # A build task lost with its process (nothing here is durable): build it again.
        return self.filter(
            status=ExportStatus.PENDING, requested_at__lte=now - dt.timedelta(minutes=10)
        )


class DataCopy(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_copies",
        verbose_name="مشتری",
    )
    # Set when staff asked for it on the customer's written request; null when the customer did.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="درخواست‌کنندهٔ کارمند",
    )
    reason = EncryptedTextField("دلیل (درخواست کتبی)", blank=True)
    status = models.CharField(
        "وضعیت", max_length=12, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    token_sha256 = models.CharField("چکیدهٔ پیوند", max_length=64, blank=True, editable=False)
    file_name = models.CharField("نام پرونده", max_length=200, blank=True, editable=False)
    file_sha256 = models.CharField("چکیدهٔ پرونده", max_length=64, blank=True, editable=False)
    requested_at = models.DateTimeField("زمان درخواست")
    ready_at = models.DateTimeField("زمان آماده شدن", null=True, blank=True)
    expires_at = models.DateTimeField("پایان اعتبار پیوند", null=True, blank=True)
    downloaded_at = models.DateTimeField("زمان دریافت", null=True, blank=True)
    closed_at = models.DateTimeField("زمان بسته شدن", null=True, blank=True)

    objects = DataCopyQuerySet.as_manager()

    class Meta:
        verbose_name = "بستهٔ دادهٔ مشتری"
        verbose_name_plural = "بسته‌های دادهٔ مشتری"
        ordering = ["-requested_at"]
        permissions = [
            ("export_for_customer", "ساختن بستهٔ داده برای مشتری به درخواست کتبی او"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["token_sha256"],
                condition=~Q(token_sha256=""),
                name="privacy_export_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"بستهٔ داده #{self.pk}"


class ErasureStatus(models.TextChoices):
    # Waiting out the grace period; the customer may still cancel.
    PENDING = "pending", "در انتظار (قابل لغو)"
    # The customer changed their mind.
    CANCELLED = "cancelled", "لغوشده"
    # The account was anonymised.
    DONE = "done", "انجام‌شده"


class ErasureRequestQuerySet(models.QuerySet):
    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))

    def pending(self):
        return self.filter(status=ErasureStatus.PENDING)

    def due(self, now: dt.datetime):
        return self.pending().filter(due_at__lte=now)


class ErasureRequest(models.Model):
    # The user row itself stays (an anonymous tombstone), so this link survives erasure.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name="کاربر",
    )
    status = models.CharField(
        "وضعیت", max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    requested_at = models.DateTimeField("زمان درخواست")
    due_at = models.DateTimeField("زمان اجرا")
    cancelled_at = models.DateTimeField("زمان لغو", null=True, blank=True)
    completed_at = models.DateTimeField("زمان انجام", null=True, blank=True)
    # Why the last run could not erase yet (an order opened, a hold placed); codes only.
    last_blocked_reason = models.CharField("علت تعویق", max_length=40, blank=True)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "درخواست حذف حساب"
        verbose_name_plural = "درخواست‌های حذف حساب"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="privacy_one_pending_erasure",
            ),
        ]

    def __str__(self) -> str:
        return f"درخواست حذف #{self.pk}"
