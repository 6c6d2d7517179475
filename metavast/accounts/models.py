from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from metavast.core.fields import BlindIndexField, EncryptedCharField
from metavast.core.identifiers import normalize_mobile


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str | None, password: str | None, **extra) -> User:
        email = self.normalize_email(email) if email else None
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
        return self.get(email__iexact=username)

    def by_mobile(self, mobile: str):
        return self.filter(mobile_index=User.mobile_index_for(mobile))


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or staff member. Contacts grow confirmation state in the accounts issue.

    The mobile is personal data: encrypted at rest, found through its blind index.
    """

    email = models.EmailField("ایمیل", unique=True, null=True, blank=True)
    mobile = EncryptedCharField("تلفن همراه", max_length=16, blank=True)
    mobile_index = BlindIndexField(source="mobile", normalizer=normalize_mobile, unique=True)
    first_name = models.CharField("نام", max_length=80, blank=True)
    last_name = models.CharField("نام خانوادگی", max_length=80, blank=True)
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

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @classmethod
    def mobile_index_for(cls, mobile: str) -> str | None:
        field = cls._meta.get_field("mobile_index")
        return field.digest(mobile)
