"""Users and their confirmed contacts, one-time codes, addresses and signed-in sessions.

Contacts (P2). `email` and `mobile` are the customer's *official* contacts: a new address
waits in `email_pending` / `mobile_pending` until the customer proves it is theirs (a signed
link, an SMS code); only then does it replace the official one. `confirmed_email` and
`confirmed_mobile` are what notifications may use. The landline cannot be confirmed (we have
no voice-call code provider): it is recorded as the customer declared it, and says so.

Personal data is encrypted at rest (`EncryptedCharField`), the email and the names too;
exact lookups go through keyed blind indexes: `mobile_index`, `national_code_index`,
`email_index` (of the lower-cased address: sign-in and uniqueness) and `name_index` (of the
normalised full name: the admin's exact-match search). `USERNAME_FIELD` stays "email" so
Django's forms and createsuperuser keep prompting for it; uniqueness lives on `email_index`
(Django's auth.W004 is silenced for that reason) and `get_by_natural_key` looks up the
index. See docs/backups.md and docs/decisions for the keys.

Sessions. Every signed-in browser and every app has a `UserSession` row, so a customer can
see and end them: a browser row points at its Django session key, an app row holds the hash
of its refresh token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metavast.core.fields import BlindIndexField, EncryptedCharField
from metavast.core.identifiers import normalize_mobile, normalize_national_code
from metavast.core.text import normalize as normalize_text


def normalize_email_for_index(email: str) -> str:
    """Case-insensitive: the digest of an email is taken of its trimmed lower-case form."""
    return (email or "").strip().lower()


def normalize_name_for_index(name: str) -> str:
    """One spelling of a full name (Arabic/Persian letters, ZWNJ, digits, case, spaces)."""
    return normalize_text(name or "")


class UserQuerySet(models.QuerySet):
    def by_email(self, email: str):
        """Exact, case-insensitive match of an email through its blind index."""
        return self.filter(email_index=User.email_index_for(email))

    def by_full_name(self, name: str):
        """Exact match of a normalised full name («سارا محمدی») through its blind index."""
        return self.filter(name_index=User.name_index_for(name))

    def by_mobile(self, mobile: str):
        return self.filter(mobile_index=User.mobile_index_for(mobile))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # The whole address is lower-cased: people type their address in any case, and two
        # accounts must never differ only by the case of an email.
        return (email or "").strip().lower()

    def _create(self, email: str | None, password: str | None, **extra) -> User:
        email = self.normalize_email(email) or None
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        # The email is encrypted: the unique blind index of its lower-cased form finds it.
        digest = User.email_index_for(username or "")
        if digest is None:
            raise self.model.DoesNotExist
        return self.get(email_index=digest)


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or staff member, with official contacts and the ones waiting to be confirmed."""

    email = EncryptedCharField(
        "ایمیل", max_length=254, null=True, blank=True, validators=[validate_email]
    )
    email_index = BlindIndexField(
        "نمایهٔ ایمیل", source="email", normalizer=normalize_email_for_index, unique=True
    )
    email_confirmed_at = models.DateTimeField("تأیید ایمیل", null=True, blank=True)
    email_pending = EncryptedCharField("ایمیل در انتظار تأیید", max_length=254, blank=True)
    email_pending_at = models.DateTimeField("زمان درخواست تغییر ایمیل", null=True, blank=True)

    mobile = EncryptedCharField("تلفن همراه", max_length=16, blank=True)
    mobile_index = BlindIndexField(
        "نمایهٔ شمارهٔ همراه", source="mobile", normalizer=normalize_mobile, unique=True
    )
    mobile_confirmed_at = models.DateTimeField("تأیید تلفن همراه", null=True, blank=True)
    mobile_pending = EncryptedCharField("تلفن همراه در انتظار تأیید", max_length=16, blank=True)
    mobile_pending_at = models.DateTimeField(
        "زمان درخواست تغییر شمارهٔ همراه", null=True, blank=True
    )

    # Recorded as declared: there is no way to confirm a landline yet (no voice-call codes).
    landline = EncryptedCharField("تلفن ثابت", max_length=16, blank=True)
    landline_declared_at = models.DateTimeField("ثبت تلفن ثابت", null=True, blank=True)

    national_code = EncryptedCharField("کد ملی", max_length=10, blank=True)
    national_code_index = BlindIndexField(
        "نمایهٔ کد ملی", source="national_code", normalizer=normalize_national_code
    )

    first_name = EncryptedCharField("نام", max_length=80, blank=True)
    last_name = EncryptedCharField("نام خانوادگی", max_length=80, blank=True)
    name_index = BlindIndexField(
        "نمایهٔ نام و نام خانوادگی",
        source="full_name_for_index",
        normalizer=normalize_name_for_index,
    )
    is_staff = models.BooleanField("کارمند", default=False)
    is_active = models.BooleanField("فعال", default=True)
    date_joined = models.DateTimeField("تاریخ عضویت", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "کاربر"
        verbose_name_plural = "کاربران"

    def __str__(self) -> str:
        return self.get_full_name() or f"کاربر {self.pk}"

    def save(self, *args, **kwargs):
        # A blind index is computed in pre_save, which only runs for the saved fields: when
        # a source is saved by name, its index must be saved with it or they would disagree.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            fields = set(update_fields)
            if "email" in fields:
                fields.add("email_index")
            if "mobile" in fields:
                fields.add("mobile_index")
            if "national_code" in fields:
                fields.add("national_code_index")
            if fields & {"first_name", "last_name"}:
                fields.add("name_index")
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name_for_index(self) -> str:
        return self.get_full_name()

    def get_short_name(self) -> str:
        return self.first_name

    @classmethod
    def email_index_for(cls, email: str) -> str | None:
        return cls._meta.get_field("email_index").digest(email)

    @classmethod
    def name_index_for(cls, name: str) -> str | None:
        return cls._meta.get_field("name_index").digest(name)

    @classmethod
    def mobile_index_for(cls, mobile: str) -> str | None:
        field = cls._meta.get_field("mobile_index")
        return field.digest(mobile)

    @property
    def confirmed_email(self) -> str | None:
        """The official email if its owner confirmed it; the only one we may write to."""
        return self.email if self.email and self.email_confirmed_at else None

    @property
    def confirmed_mobile(self) -> str | None:
        """The official mobile (E.164) if confirmed by an SMS code; the only one we may text."""
        return self.mobile if self.mobile and self.mobile_confirmed_at else None


class CodePurpose(models.TextChoices):
    # Sign in with the mobile; creates the account when the number is new (sign-up).
    SIGNIN = "signin", "ورود یا ثبت‌نام"
    # Confirm the official mobile that was recorded without a code (by staff, by import).
    CONFIRM_MOBILE = "confirm_mobile", "تأیید تلفن همراه"
    # Confirm a new mobile before it replaces the official one.
    CHANGE_MOBILE = "change_mobile", "تغییر تلفن همراه"
    # Reset a forgotten password through the confirmed mobile.
    RESET = "reset", "بازیابی گذرواژه"
    # Prove it is still you before a sensitive change (step-up), when there is no password.
    STEPUP = "stepup", "تأیید هویت"


class OneTimeCodeQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.OTP_CODE_MAX_ATTEMPTS,
        )

    def for_mobile(self, mobile_index: str, purpose: str):
        return self.filter(mobile_index=mobile_index, purpose=purpose)


class OneTimeCode(models.Model):
    """An SMS code, bound to one mobile (by its blind index) and one purpose.

    Only a keyed hash of the code is stored. `attempts` is the one counter every guess must
    increment with a conditional UPDATE before its guess is compared (see services.codes).
    """

    mobile_index = models.CharField("نمایهٔ شمارهٔ همراه", max_length=64)
    purpose = models.CharField("کاربرد", max_length=20, choices=CodePurpose.choices)
    code_hash = models.CharField("چکیدهٔ کد", max_length=64)
    attempts = models.PositiveSmallIntegerField("شمار تلاش‌ها", default=0)
    created_at = models.DateTimeField("زمان ساخت", default=timezone.now)
    expires_at = models.DateTimeField("زمان انقضا")
    used_at = models.DateTimeField("زمان استفاده", null=True, blank=True)

    objects = OneTimeCodeQuerySet.as_manager()

    class Meta:
        verbose_name = "کد یک‌بارمصرف"
        verbose_name_plural = "کدهای یک‌بارمصرف"
        indexes = [models.Index(fields=["mobile_index", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


# --- Iran's provinces and cities: a data set shipped with the app (data/iran_divisions.json)

DIVISIONS_PATH = Path(__file__).resolve().parent / "data" / "iran_divisions.json"


@lru_cache(maxsize=1)
def iran_divisions() -> dict[str, dict]:
    """{province code: {"name": ..., "cities": [...]}} in the data set's order."""
    data = json.loads(DIVISIONS_PATH.read_text(encoding="utf-8"))
    return {p["code"]: {"name": p["name"], "cities": p["cities"]} for p in data["provinces"]}


def province_choices() -> list[tuple[str, str]]:
    return [(code, p["name"]) for code, p in iran_divisions().items()]


class AddressQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)


class Address(models.Model):
    """An entry of a customer's address book; the receiver may be someone else (P4).

    The street-level parts and the receiver are encrypted. Province and city stay in clear
    (codes and names from the shipped data set): they are coarse, and shipping needs them.
    """

    MAX_PER_USER = 20

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name="کاربر",
    )
    label = models.CharField("عنوان", max_length=40, blank=True)
    province = models.CharField("استان", max_length=40)
    city = models.CharField("شهر", max_length=60)
    street = EncryptedCharField("خیابان", max_length=200)
    alley = EncryptedCharField("کوچه", max_length=120, blank=True)
    plaque = EncryptedCharField("پلاک", max_length=20)
    unit = EncryptedCharField("واحد", max_length=20, blank=True)
    postal_code = EncryptedCharField("کد پستی", max_length=10)
    receiver_is_self = models.BooleanField("گیرنده خودم هستم", default=True)
    receiver_first_name = EncryptedCharField("نام گیرنده", max_length=80, blank=True)
    receiver_last_name = EncryptedCharField("نام خانوادگی گیرنده", max_length=80, blank=True)
    receiver_mobile = EncryptedCharField("تلفن همراه گیرنده", max_length=16, blank=True)
    is_default = models.BooleanField("نشانی پیش‌فرض", default=False)
    created_at = models.DateTimeField("زمان ساخت", auto_now_add=True)
    updated_at = models.DateTimeField("زمان ویرایش", auto_now=True)

    objects = AddressQuerySet.as_manager()

    class Meta:
        verbose_name = "نشانی"
        verbose_name_plural = "نشانی‌ها"
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address"
            )
        ]

    def __str__(self) -> str:
        return self.label or f"نشانی {self.pk}"

    @property
    def province_name(self) -> str:
        return iran_divisions().get(self.province, {}).get("name", "")

    def receiver_name(self, user=None) -> str:
        if self.receiver_is_self:
            return (user or self.user).get_full_name()
        return f"{self.receiver_first_name} {self.receiver_last_name}".strip()

    def one_line(self) -> str:
        parts = [self.province_name, self.city, self.street]
        if self.alley:
            parts.append(self.alley)
        parts.append(f"پلاک {self.plaque}")
        if self.unit:
            parts.append(f"واحد {self.unit}")
        return "، ".join(p for p in parts if p)


class SessionKind(models.TextChoices):
    # A browser signed in with a Django session cookie.
    WEB = "web", "مرورگر"
    # An app holding an access token and a refresh token.
    APP = "app", "برنامه"


class UserSessionQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        idle_limit = now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        return self.filter(revoked_at__isnull=True).filter(
            Q(kind=SessionKind.WEB, last_seen_at__gt=idle_limit)
            | Q(kind=SessionKind.APP, expires_at__gt=now)
        )

    def of(self, user):
        return self.filter(user=user)


def token_hash(token: str) -> str:
    """Refresh tokens are 256 random bits: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
        verbose_name="کاربر",
    )
    kind = models.CharField("نوع", max_length=8, choices=SessionKind.choices)
    # NULL, not "", where a row has none: both are unique among the rows that have one.
    session_key = models.CharField("کلید نشست", max_length=40, unique=True, null=True, blank=True)
    refresh_hash = models.CharField(
        "چکیدهٔ توکن تازه‌سازی", max_length=64, unique=True, null=True, blank=True
    )
    # The refresh token this one replaced: presenting it again means it was stolen.
    previous_refresh_hash = models.CharField(
        "چکیدهٔ توکن پیشین", max_length=64, blank=True, db_index=True
    )
    # Encrypted: a user agent is a fingerprint of the device (personal data); the sessions
    # page reads it decrypted to name the device. No lookups: filter by user or key instead.
    user_agent = EncryptedCharField("مرورگر", max_length=300, blank=True)
    # Encrypted: an IP is personal data (kept for IP_LOG_RETENTION_DAYS, then redacted).
    ip = EncryptedCharField("نشانی IP", max_length=45, null=True, blank=True)
    created_at = models.DateTimeField("زمان آغاز", default=timezone.now)
    last_seen_at = models.DateTimeField("آخرین فعالیت", default=timezone.now)
    expires_at = models.DateTimeField("زمان انقضا", null=True, blank=True)
    revoked_at = models.DateTimeField("زمان بستن", null=True, blank=True)
    # Why it ended (with revoked_at): "signout", "revoked", "idle", or the reason of
    # sessions_revoke_others ("password_change", ...); empty while live or when unknown.
    ended_reason = models.CharField("علت پایان", max_length=40, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "نشست"
        verbose_name_plural = "نشست‌ها"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def device_parts(self) -> tuple[str, str, str]:
        """(browser, system, kind in Persian), e.g. ("Chrome 120", "Android 14", "تلفن همراه")."""
        from user_agents import parse

        if not self.user_agent:
            return ("", "", "دستگاه ناشناخته")
        ua = parse(self.user_agent)
        major = ua.browser.version[0] if ua.browser.version else ""
        browser = f"{ua.browser.family} {major}".strip()
        system = f"{ua.os.family} {ua.os.version_string}".strip()
        if ua.is_bot:
            kind = "ربات"
        elif ua.is_tablet:
            kind = "تبلت"
        elif ua.is_mobile:
            kind = "تلفن همراه"
        else:
            kind = "رایانه"
        return (browser, system, kind)

    @property
    def device(self) -> str:
        browser, system, kind = self.device_parts
        if not browser:
            return kind
        return f"{browser} روی {system} ({kind})"
