"""Reviews and questions on products (issue 12), moderated, versioned, and holdable (P6).

A review keeps every text it ever had: `ReviewVersion` number 1 is what the author first
posted, and every edit (the author's own, which sends the review back to the queue, or a
moderator's, with a reason) adds the next number before the review's current text changes.
Nothing is edited in place without a version, so the original is never lost.

Text is plain text (core.validators refuses bidi overrides and control characters, keeps
ZWNJ) and is escaped wherever it is shown. The IP and user agent recorded at posting are
encrypted and read only when a legal officer places a hold: then `HeldEvidence` copies the
whole record (every version, author id, IP, user agent, times) into its own encrypted row,
which retention and erasure leave alone while the hold is active (metavast.legal.holds).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metavast.core.fields import EncryptedCharField, EncryptedTextField
from metavast.core.text import to_persian_digits

HOLD_SUBJECT_REVIEW = "reviews.review"
HOLD_SUBJECT_QUESTION = "reviews.question"
HOLD_SUBJECT_ANSWER = "reviews.answer"


class Status(models.TextChoices):
    # Waiting for a moderator: new, edited by its author, or reported by a customer.
    PENDING = "pending", "در انتظار بررسی"
    # Shown on the product page.
    APPROVED = "approved", "تأییدشده"
    # Not shown; `reject_reason` says which rule it broke.
    REJECTED = "rejected", "ردشده"


TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.PENDING, Status.REJECTED}),
    Status.REJECTED: frozenset({Status.APPROVED, Status.PENDING}),
}


class RejectReason(models.TextChoices):
    """The rules of «قوانین ثبت دیدگاه», one code each: a rejection always names one."""

    OFF_TOPIC = "off_topic", "ربطی به این کالا ندارد"
    OFFENSIVE = "offensive", "توهین، تهدید یا نفرت‌پراکنی دارد"
    PERSONAL_DATA = "personal_data", "اطلاعات شخصی (شماره، نشانی، ایمیل) دارد"
    ADVERTISING = "advertising", "تبلیغ یا پیوند به جای دیگر است"
    SPAM = "spam", "تکراری یا بی‌معنی است"
    ILLEGAL = "illegal", "محتوای مجرمانه یا خلاف قانون دارد"


class ReportReason(models.TextChoices):
    OFFENSIVE = "offensive", "توهین‌آمیز است"
    FALSE = "false", "نادرست یا گمراه‌کننده است"
    PERSONAL_DATA = "personal_data", "اطلاعات شخصی دارد"
    SPAM = "spam", "تبلیغ یا هرزنامه است"
    OTHER = "other", "دلیل دیگر"


class ReviewQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Status.APPROVED)

    def for_product(self, product_id: int):
        return self.filter(product_id=product_id)

    def pending(self):
        return self.filter(status=Status.PENDING)

    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))

    def sorted_by(self, sort: str):
        orders = {
            "newest": ("-created_at", "-pk"),
            "helpful": ("-helpful_count", "unhelpful_count", "-created_at", "-pk"),
            "rating": ("-rating", "-created_at", "-pk"),
        }
        return self.order_by(*orders.get(sort, orders["newest"]))


class Review(models.Model):
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="reviews", verbose_name="کالا"
    )
    # SET_NULL: an erased account leaves its reviews anonymous; a held one keeps the id in
    # its evidence, not here.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name="نویسنده",
    )
    rating = models.PositiveSmallIntegerField(
        "امتیاز", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField("عنوان", max_length=200)
    body = models.TextField("متن")
    pros = models.JSONField("نقاط قوت", default=list, blank=True)
    cons = models.JSONField("نقاط ضعف", default=list, blank=True)
    status = models.CharField(
        "وضعیت", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(
        "دلیل رد", max_length=20, choices=RejectReason.choices, blank=True
    )
    # Computed at posting from the author's delivered orders of this product.
    is_verified_buyer = models.BooleanField("خریدار این کالا", default=False)
    edited_by_staff = models.BooleanField("ویرایش‌شده توسط مدیر", default=False)
    helpful_count = models.PositiveIntegerField("مفید", default=0)
    unhelpful_count = models.PositiveIntegerField("نامفید", default=0)
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)
    updated_at = models.DateTimeField("آخرین تغییر", default=timezone.now)
    # When it last entered the queue: the queue's age is counted from here.
    queued_at = models.DateTimeField("ورود به صف", default=timezone.now, null=True, blank=True)
    moderated_at = models.DateTimeField("زمان بررسی", null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="بررسی‌کننده",
    )
    # Recorded at posting for legal follow-up only (P6); redacted by retention unless held.
    posted_ip = EncryptedCharField("نشانی IP هنگام ثبت", max_length=64, blank=True)
    posted_user_agent = EncryptedTextField("مرورگر هنگام ثبت", blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "دیدگاه"
        verbose_name_plural = "دیدگاه‌ها"
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["product", "status", "-created_at"]),
            models.Index(fields=["status", "queued_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="review_rejected_has_reason",
            ),
            # One review per customer per product; they edit it rather than post another.
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_author"),
        ]

    def __str__(self) -> str:
        return f"دیدگاه شمارهٔ {to_persian_digits(self.pk or 0)}"


class ReviewVersion(models.Model):
    """One text the review had. Number 1 is the original; a row is never changed."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="versions", verbose_name="دیدگاه"
    )
    number = models.PositiveIntegerField("شمارهٔ نسخه")
    rating = models.PositiveSmallIntegerField("امتیاز")
    title = models.CharField("عنوان", max_length=200)
    body = models.TextField("متن")
    pros = models.JSONField("نقاط قوت", default=list, blank=True)
    cons = models.JSONField("نقاط ضعف", default=list, blank=True)
    # Who wrote this text and why: the author (posting or their own edit) or a moderator,
    # whose edit always carries a reason.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ویرایشگر",
    )
    by_staff = models.BooleanField("ویرایش مدیر", default=False)
    reason = models.CharField("دلیل ویرایش", max_length=300, blank=True)
    created_at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        verbose_name = "نسخهٔ دیدگاه"
        verbose_name_plural = "نسخه‌های دیدگاه"
        ordering = ("review", "number")
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="reviewversion_unique")
        ]

    def __str__(self) -> str:
        return f"نسخهٔ {to_persian_digits(self.number)}"


class ReviewVote(models.Model):
    """One vote per account per review: the unique constraint is what counts once."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_helpful = models.BooleanField("مفید")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "رأی دیدگاه"
        verbose_name_plural = "رأی‌های دیدگاه"
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="reviewvote_one_per_user")
        ]

    def __str__(self) -> str:
        return "مفید" if self.is_helpful else "نامفید"


class ReviewReport(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("دلیل گزارش", max_length=20, choices=ReportReason.choices)
    created_at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        verbose_name = "گزارش دیدگاه"
        verbose_name_plural = "گزارش‌های دیدگاه"
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="reviewreport_one_per_user")
        ]

    def __str__(self) -> str:
        return self.get_reason_display()


class ReviewPhoto(models.Model):
    """A photo, re-encoded by the catalog's checks (EXIF, GPS included, is dropped)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    large = models.CharField(max_length=200)
    thumb = models.CharField(max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "عکس دیدگاه"
        verbose_name_plural = "عکس‌های دیدگاه"
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return f"عکس {to_persian_digits(self.position + 1)}"


class QuestionQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Status.APPROVED)

    def lock(self):
        return self.order_by("pk").select_for_update(of=("self",))


class Question(models.Model):
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="questions", verbose_name="کالا"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name="پرسنده",
    )
    body = models.TextField("پرسش")
    status = models.CharField(
        "وضعیت", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(
        "دلیل رد", max_length=20, choices=RejectReason.choices, blank=True
    )
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)
    queued_at = models.DateTimeField("ورود به صف", default=timezone.now, null=True, blank=True)
    posted_ip = EncryptedCharField("نشانی IP هنگام ثبت", max_length=64, blank=True)
    posted_user_agent = EncryptedTextField("مرورگر هنگام ثبت", blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = "پرسش"
        verbose_name_plural = "پرسش‌ها"
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["product", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"پرسش شمارهٔ {to_persian_digits(self.pk or 0)}"


class Answer(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name="پرسش"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="پاسخ‌دهنده",
    )
    body = models.TextField("پاسخ")
    # The shop's answer (a staff member with the moderator role) is shown as «فروشنده».
    by_seller = models.BooleanField("پاسخ فروشنده", default=False)
    is_verified_buyer = models.BooleanField("خریدار این کالا", default=False)
    status = models.CharField(
        "وضعیت", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(
        "دلیل رد", max_length=20, choices=RejectReason.choices, blank=True
    )
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)
    posted_ip = EncryptedCharField("نشانی IP هنگام ثبت", max_length=64, blank=True)
    posted_user_agent = EncryptedTextField("مرورگر هنگام ثبت", blank=True)

    class Meta:
        verbose_name = "پاسخ"
        verbose_name_plural = "پاسخ‌ها"
        ordering = ("created_at", "pk")
        permissions = [("answer_as_seller", "پاسخ به پرسش‌ها از طرف فروشنده")]

    def __str__(self) -> str:
        return f"پاسخ شمارهٔ {to_persian_digits(self.pk or 0)}"


class HeldEvidence(models.Model):
    """What a legal hold preserves, apart from the item itself (P6).

    `payload` is the whole record as JSON, encrypted: every version, the author's account
    id, the IP and user agent recorded at posting, and the timestamps. It is written when
    the hold is placed, never changed, read only by a legal officer (each look audited), and
    removed when the hold is lifted; nothing else (retention, erasure, deletion of the
    review) touches it: the foreign key to the hold is PROTECT and there is none to the item.
    """

    hold = models.OneToOneField(
        "legal.LegalHold",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="نگهداشت قانونی",
    )
    subject_type = models.CharField("نوع موضوع", max_length=80)
    subject_id = models.CharField("شناسهٔ موضوع", max_length=64)
    payload = EncryptedTextField("مدرک (رمزگذاری‌شده)")
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        verbose_name = "مدرک نگهداشت‌شده"
        verbose_name_plural = "مدرک‌های نگهداشت‌شده"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"مدرک {self.subject_type} شمارهٔ {to_persian_digits(self.subject_id)}"
