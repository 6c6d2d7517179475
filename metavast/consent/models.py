"""Cookie consent (P9): the categories and the history of a signed-in customer's choices.

Every visitor's choice lives in a necessary first-party cookie (metavast.consent.cookie); for a
signed-in customer each choice is also a new `ConsentRecord` row, never updated, so the history
shows who chose what, when, and under which version of the cookie policy. No IP is kept: the
row proves the choice, not the device.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CookieCategory(models.TextChoices):
    # Sign-in, the cart, CSRF protection, messages, this choice itself: always on.
    NECESSARY = "necessary", "ضروری"
    # Counting visits and pages to improve the store: only with consent.
    ANALYTICS = "analytics", "آماری"
    # Advertising and marketing measurement: only with consent.
    MARKETING = "marketing", "بازاریابی"


CATEGORY_DESCRIPTIONS: dict[str, str] = {
    CookieCategory.NECESSARY: (
        "برای کار کردن فروشگاه لازم است: ورود به حساب، سبد خرید، محافظت از فرم‌ها و به خاطر "
        "سپردن همین انتخاب. این‌ها را نمی‌توان خاموش کرد و برای هیچ کار دیگری به کار نمی‌روند."
    ),
    CookieCategory.ANALYTICS: (
        "شمارش بازدیدها و صفحه‌ها به‌صورت کلی، برای بهتر کردن فروشگاه. فقط با اجازهٔ شما."
    ),
    CookieCategory.MARKETING: ("سنجش تبلیغات و پیشنهادهای بازاریابی. فقط با اجازهٔ شما."),
}

# The categories a visitor can grant or refuse (necessary is never asked).
OPTIONAL_CATEGORIES: tuple[str, ...] = (CookieCategory.ANALYTICS, CookieCategory.MARKETING)


class ConsentRecordQuerySet(models.QuerySet):
    def for_user(self, user) -> ConsentRecordQuerySet:
        return self.filter(user=user)

    def latest_first(self) -> ConsentRecordQuerySet:
        return self.order_by("-created_at", "-pk")

    def current_version(self) -> ConsentRecordQuerySet:
        return self.filter(policy_version=settings.COOKIE_POLICY_VERSION)


class ConsentRecord(models.Model):
    """One cookie choice of a signed-in customer; append-only."""

    # SET_NULL: should the account ever be deleted, the row still proves the choice was honoured.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="کاربر",
        on_delete=models.SET_NULL,
        null=True,
        related_name="cookie_consents",
    )
    created_at = models.DateTimeField("زمان", db_index=True)
    policy_version = models.CharField("نسخهٔ سیاست کوکی", max_length=32)
    # Granted non-necessary categories (CookieCategory values); necessary is always implied.
    granted = models.JSONField("دسته‌های پذیرفته", default=list)
    # The non-necessary categories that were in use and asked about when the choice was made.
    offered = models.JSONField("دسته‌های پرسیده‌شده", default=list)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "انتخاب کوکی"
        verbose_name_plural = "انتخاب‌های کوکی"
        indexes = [models.Index(fields=["user", "-created_at"], name="consent_user_latest")]

    def __str__(self) -> str:
        return f"{self.policy_version}: {', '.join(self.granted) or 'necessary'}"


# --- Marketing consent (P5) ------------------------------------------------------------


class MarketingChannel(models.TextChoices):
    EMAIL = "email", "ایمیل"
    SMS = "sms", "پیامک"


class MarketingSource(models.TextChoices):
    # The tick box on the sign-up page.
    SIGNUP = "signup", "ثبت‌نام"
    # The (unticked) box at checkout.
    CHECKOUT = "checkout", "تکمیل خرید"
    # The profile / «حریم خصوصی من» page.
    PROFILE = "profile", "صفحهٔ حساب"
    # The JSON API (an app).
    API = "api", "API"
    # An SMS reply «۱۱» / «لغو» received from the provider.
    SMS_REPLY = "sms_reply", "پاسخ پیامکی"
    # The signed link (or RFC 8058 one-click POST) in a promotional email.
    UNSUBSCRIBE_LINK = "unsubscribe_link", "پیوند لغو اشتراک"
    # The contact itself changed or stopped being confirmed.
    CONTACT_CHANGED = "contact_changed", "تغییر نشانی تماس"


class MarketingConsentQuerySet(models.QuerySet):
    def for_user(self, user) -> MarketingConsentQuerySet:
        return self.filter(user=user)

    def latest_first(self) -> MarketingConsentQuerySet:
        return self.order_by("-created_at", "-pk")


class MarketingConsent(models.Model):
    """One change of a customer's consent to promotional email or SMS; append-only.

    The current state of a channel is its newest row. Each row proves what was agreed to
    (the text version), where (source), when (UTC) and from which IP (kept only as long as
    the IP retention rule allows, then blanked). `contact_index` is the blind index of the
    confirmed contact the consent was given for: a consent follows the address, so a new
    email or number starts without consent (may_send compares it with the current one).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="کاربر",
        on_delete=models.SET_NULL,
        null=True,
        related_name="marketing_consents",
    )
    channel = models.CharField("روش", max_length=8, choices=MarketingChannel.choices)
    is_granted = models.BooleanField("اجازه داده شده")
    source = models.CharField("منبع", max_length=20, choices=MarketingSource.choices)
    text_version = models.CharField("نسخهٔ متن رضایت", max_length=32, blank=True)
    contact_index = models.CharField("نمایهٔ نشانی تماس", max_length=64, blank=True)
    ip = models.GenericIPAddressField("نشانی IP", null=True, blank=True)
    created_at = models.DateTimeField("زمان", db_index=True)

    objects = MarketingConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "رضایت بازاریابی"
        verbose_name_plural = "رضایت‌های بازاریابی"
        indexes = [
            models.Index(fields=["user", "channel", "-created_at"], name="mconsent_user_latest")
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {'granted' if self.is_granted else 'withdrawn'}"
