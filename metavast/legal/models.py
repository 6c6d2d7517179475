"""The legal-disclosure register (P8): the only path by which personal data leaves the shop.

A legal officer records a request from an authority (its letter, the legal basis and the
scope: which customers, which data categories, which time range); a *second* legal officer
approves it (four eyes); a background task builds the package from the scope; an officer
downloads it once, within LEGAL_PACKAGE_DOWNLOAD_HOURS, and the stored file is destroyed.
The customers are then told through their confirmed contacts, unless the order forbids it
(`notify_customers=False` with its reason). Status changes go through one function
(`services.disclosure_transition`) that checks TRANSITIONS, locks the row and audits.

What identifies a person here (the letter number, the legal basis, the customers in scope,
the reason notice is withheld) is encrypted at rest.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from metavast.core.fields import EncryptedCharField, EncryptedTextField
from metavast.core.text import to_persian_digits


class AuthorityType(models.TextChoices):
    JUDICIARY = "judiciary", "قوهٔ قضاییه و دادگاه‌ها"
    POLICE = "police", "فراجا و پلیس فتا"
    TAX = "tax", "سازمان امور مالیاتی"
    OTHER_GOVERNMENT = "other_government", "سایر نهادهای دولتی"


class DataCategory(models.TextChoices):
    IDENTITY = "identity", "هویت (نام، کد ملی، تاریخ عضویت)"
    CONTACTS = "contacts", "راه‌های تماس (ایمیل و تلفن)"
    ADDRESSES = "addresses", "نشانی‌ها"
    ORDERS = "orders", "سفارش‌ها"
    INVOICES = "invoices", "صورتحساب‌ها"
    PAYMENTS = "payments", "پرداخت‌ها"
    SIGN_IN_LOGS = "sign_in_logs", "سوابق ورود و نشانی IP"
    # Evidence kept by legal holds on the customer's content (reviews: every version, IP,
    # user agent); collected by the app that holds it (metavast.legal.collectors).
    HELD_CONTENT = "held_content", "محتوای نگهداشت‌شده به حکم قانونی"


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", "پیش‌نویس"  # recorded by an officer, still editable by nobody but services
    AWAITING_APPROVAL = "awaiting_approval", "در انتظار تأیید افسر دوم"  # submitted
    APPROVED = "approved", "تأییدشده، در حال ساخت بسته"  # a second officer approved
    PACKAGE_READY = "package_ready", "بسته آمادهٔ دریافت"  # built, sealed, download window open
    DOWNLOADED = "downloaded", "تحویل‌شده"  # downloaded once; the stored file is destroyed
    EXPIRED = "expired", "منقضی‌شده (تحویل نشد)"  # the window closed; the file is destroyed
    REJECTED = "rejected", "ردشده"  # the second officer refused it
    WITHDRAWN = "withdrawn", "پس‌گرفته"  # the authority or the officer withdrew it


TRANSITIONS: dict[str, frozenset[str]] = {
    DisclosureStatus.DRAFT: frozenset(
        {DisclosureStatus.AWAITING_APPROVAL, DisclosureStatus.WITHDRAWN}
    ),
    DisclosureStatus.AWAITING_APPROVAL: frozenset(
        {DisclosureStatus.APPROVED, DisclosureStatus.REJECTED, DisclosureStatus.WITHDRAWN}
    ),
    DisclosureStatus.APPROVED: frozenset(
        {DisclosureStatus.PACKAGE_READY, DisclosureStatus.WITHDRAWN}
    ),
    DisclosureStatus.PACKAGE_READY: frozenset(
        {DisclosureStatus.DOWNLOADED, DisclosureStatus.EXPIRED, DisclosureStatus.WITHDRAWN}
    ),
    DisclosureStatus.DOWNLOADED: frozenset(),
    DisclosureStatus.EXPIRED: frozenset(),
    DisclosureStatus.REJECTED: frozenset(),
    DisclosureStatus.WITHDRAWN: frozenset(),
}

# Outcomes on the public transparency report.
OUTCOME_DISCLOSED = "disclosed"
OUTCOME_REJECTED = "rejected"
OUTCOME_WITHDRAWN = "withdrawn"
OUTCOME_OPEN = "open"
OUTCOME_UNCOLLECTED = "uncollected"
OUTCOME_OF_STATUS = {
    DisclosureStatus.DRAFT: OUTCOME_OPEN,
    DisclosureStatus.AWAITING_APPROVAL: OUTCOME_OPEN,
    DisclosureStatus.APPROVED: OUTCOME_OPEN,
    DisclosureStatus.PACKAGE_READY: OUTCOME_OPEN,
    DisclosureStatus.DOWNLOADED: OUTCOME_DISCLOSED,
    DisclosureStatus.EXPIRED: OUTCOME_UNCOLLECTED,
    DisclosureStatus.REJECTED: OUTCOME_REJECTED,
    DisclosureStatus.WITHDRAWN: OUTCOME_WITHDRAWN,
}


class DisclosureRequestQuerySet(models.QuerySet):
    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))

    def stuck_builds(self, now=None, *, after: dt.timedelta = dt.timedelta(minutes=10)):
        """Approved requests whose package task was lost (a restart): built by the sweep."""
        return self.filter(
            status=DisclosureStatus.APPROVED, decided_at__lte=(now or timezone.now()) - after
        )

    def expired_packages(self, now=None):
        return self.filter(
            status=DisclosureStatus.PACKAGE_READY, package_expires_at__lte=now or timezone.now()
        )


class DisclosureRequest(models.Model):
    authority_name = models.CharField("مرجع درخواست‌کننده", max_length=200)
    authority_type = models.CharField("نوع مرجع", max_length=20, choices=AuthorityType.choices)
    letter_number = EncryptedCharField("شمارهٔ نامه", max_length=100)
    letter_date = models.DateField("تاریخ نامه")
    legal_basis = EncryptedTextField("مبنای قانونی")
    # JSON list of user ids, encrypted: who is in scope is itself personal data.
    customer_ids_sealed = EncryptedTextField("مشتریان در دامنه", editable=False)
    categories = models.JSONField("دسته‌های داده", default=list)
    period_start = models.DateField("آغاز بازهٔ زمانی")
    period_end = models.DateField("پایان بازهٔ زمانی")
    notify_customers = models.BooleanField("به مشتری اطلاع داده شود", default=True)
    no_notice_reason = EncryptedTextField("علت اطلاع‌ندادن به مشتری", blank=True)

    status = models.CharField(
        "وضعیت",
        max_length=20,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.DRAFT,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="افسر ثبت‌کننده",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="افسر تأییدکننده یا ردکننده",
    )
    decision_note = models.CharField("یادداشت تصمیم", max_length=300, blank=True)
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="دریافت‌کنندهٔ بسته",
    )

    created_at = models.DateTimeField("زمان ثبت", default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField("زمان ارسال برای تأیید", null=True, blank=True)
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    package_ready_at = models.DateTimeField("زمان آماده‌شدن بسته", null=True, blank=True)
    package_expires_at = models.DateTimeField("مهلت دریافت بسته", null=True, blank=True)
    downloaded_at = models.DateTimeField("زمان دریافت بسته", null=True, blank=True)
    closed_at = models.DateTimeField("زمان بسته‌شدن", null=True, blank=True)
    customers_notified_at = models.DateTimeField("زمان اطلاع به مشتری", null=True, blank=True)

    package_name = models.CharField(max_length=200, blank=True, editable=False)
    package_sha256 = models.CharField("اثر SHA-256 بسته", max_length=64, blank=True)

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "درخواست افشای قانونی"
        verbose_name_plural = "دفتر افشای قانونی"
        ordering = ("-created_at",)
        permissions = [
            ("approve_disclosurerequest", "تأیید یا رد درخواست افشای قانونی (افسر دوم)"),
            ("download_disclosurepackage", "دریافت بستهٔ افشای قانونی"),
        ]

    def __str__(self) -> str:
        return f"درخواست افشای شمارهٔ {to_persian_digits(self.pk or 0)}"

    @property
    def customer_ids(self) -> list[int]:
        if not self.customer_ids_sealed:
            return []
        return [int(value) for value in json.loads(self.customer_ids_sealed)]

    @customer_ids.setter
    def customer_ids(self, ids) -> None:
        self.customer_ids_sealed = json.dumps(sorted({int(value) for value in ids}))

    @property
    def outcome(self) -> str:
        return OUTCOME_OF_STATUS[self.status]


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)

    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))


class LegalHold(models.Model):
    """Evidence kept for legal follow-up (P6, P8): while a hold is active, retention, account
    erasure and deletion leave its subject alone. A hold names what it keeps (a subject, e.g.
    "reviews.review" #12) and, when it is about one account, that account, so erasing the
    account can be refused with a reason. Placed and lifted only by a legal officer, with a
    reason, both audited (metavast/legal/holds.py)."""

    subject_type = models.CharField("نوع موضوع", max_length=80)
    subject_id = models.CharField("شناسهٔ موضوع", max_length=64)
    # The account whose data the hold keeps (kept as a number: the hold outlives the account).
    user_id = models.BigIntegerField("شناسهٔ حساب", null=True, blank=True, db_index=True)
    reason = EncryptedTextField("دلیل نگهداشت")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="ثبت‌کننده",
    )
    placed_at = models.DateTimeField("زمان ثبت", default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="برداشته توسط",
    )
    released_at = models.DateTimeField("زمان برداشتن", null=True, blank=True)
    release_reason = EncryptedTextField("دلیل برداشتن", blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = "نگهداشت قانونی"
        verbose_name_plural = "نگهداشت‌های قانونی"
        ordering = ("-placed_at",)
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        permissions = [("release_legalhold", "برداشتن نگهداشت قانونی")]

    def __str__(self) -> str:
        return f"نگهداشت قانونی شمارهٔ {to_persian_digits(self.pk or 0)}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None
