"""What checkout needs beside the cart: shipping methods and their rates, the VAT rate, and
the customer's checkout in progress.

Shipping rules are data staff edit in the admin: a method (Post پیشتاز, Post سفارشی, Tipax,
same-day courier...) says where it goes (every city, or a list of cities), how heavy a parcel
it takes and whether cash on delivery is allowed; its rates say what a parcel up to a weight
costs, per province or for every province without its own rate. VAT is a rate with a start
date, so a change of law is a new row, not a deploy.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from metavast.core.fields import EncryptedCharField
from metavast.core.jalali import format_jalali_date
from metavast.core.text import to_persian_digits


class ShippingMethodQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ShippingMethod(models.Model):
    code = models.SlugField("کد", max_length=40, unique=True)
    name = models.CharField("نام", max_length=80)
    description = models.CharField("توضیح", max_length=200, blank=True)
    delivery_estimate = models.CharField("زمان تحویل", max_length=80, blank=True)
    allows_cod = models.BooleanField("پرداخت در محل مجاز است", default=False)
    # City names where this method works (a same-day courier); empty means everywhere.
    cities = models.JSONField("فقط در این شهرها", default=list, blank=True)
    max_weight_grams = models.PositiveIntegerField("بیشترین وزن (گرم)", null=True, blank=True)
    is_active = models.BooleanField("فعال", default=True)
    position = models.PositiveSmallIntegerField("ترتیب", default=0)

    objects = ShippingMethodQuerySet.as_manager()

    class Meta:
        verbose_name = "روش ارسال"
        verbose_name_plural = "روش‌های ارسال"
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if not isinstance(self.cities, list) or not all(isinstance(c, str) for c in self.cities):
            raise ValidationError({"cities": "فهرستی از نام شهرها بنویسید."})


class ShippingRate(models.Model):
    """A parcel up to `max_weight_grams` costs `cost` with this method in this province."""

    method = models.ForeignKey(
        ShippingMethod, on_delete=models.CASCADE, related_name="rates", verbose_name="روش ارسال"
    )
    # A province code from the shipped data set; empty: every province without its own rate.
    province = models.CharField("استان", max_length=40, blank=True)
    max_weight_grams = models.PositiveIntegerField("تا وزن (گرم)")
    cost = models.PositiveBigIntegerField("هزینه (ریال)")

    class Meta:
        verbose_name = "نرخ ارسال"
        verbose_name_plural = "نرخ‌های ارسال"
        ordering = ("method", "province", "max_weight_grams")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "province", "max_weight_grams"], name="shipping_rate_unique"
            )
        ]

    def __str__(self) -> str:
        return to_persian_digits(f"{self.method_id}/{self.province or '*'}/{self.max_weight_grams}")


class VatRateQuerySet(models.QuerySet):
    def in_force(self, on):
        """The rate that applies on date `on` (the latest that started by then), or None."""
        return self.filter(starts_on__lte=on).order_by("-starts_on").first()


class VatRate(models.Model):
    # 1000 basis points = 10 %; integers keep money arithmetic exact.
    rate_basis_points = models.PositiveIntegerField("نرخ (در ده‌هزار؛ ۱۰۰۰ یعنی ۱۰٪)")
    starts_on = models.DateField("از تاریخ", unique=True)

    objects = VatRateQuerySet.as_manager()

    class Meta:
        verbose_name = "نرخ مالیات بر ارزش افزوده"
        verbose_name_plural = "نرخ‌های مالیات بر ارزش افزوده"
        ordering = ("-starts_on",)
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_basis_points__lte=10000), name="vat_rate_at_most_100_percent"
            )
        ]

    def __str__(self) -> str:
        rate = to_persian_digits(f"{self.rate_basis_points / 100:g}")
        return f"{rate}٪ از {format_jalali_date(self.starts_on)}"


class CheckoutDraft(models.Model):
    """A signed-in customer's checkout in progress: the choices made so far.

    `key` is the idempotency key of this checkout attempt; it goes into the review page and
    the place-order form, and changes whenever a choice changes (so a stale tab cannot place
    an order the customer did not review) and after an order is placed. Another person's
    name and mobile wait here encrypted until they are copied onto the order, and are
    cleared then (P4: they belong to that order only, never to the address book).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="checkout_draft",
        verbose_name="کاربر",
    )
    key = models.UUIDField("کلید", default=uuid.uuid4)
    address = models.ForeignKey(
        "accounts.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="نشانی",
    )
    receiver_is_self = models.BooleanField("گیرنده خود خریدار است", default=True)
    receiver_first_name = EncryptedCharField("نام گیرنده", max_length=80, blank=True)
    receiver_last_name = EncryptedCharField("نام خانوادگی گیرنده", max_length=80, blank=True)
    receiver_mobile = EncryptedCharField("همراه گیرنده", max_length=16, blank=True)
    shipping_method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="روش ارسال",
    )
    payment_method = models.CharField("روش پرداخت", max_length=10, blank=True)
    updated_at = models.DateTimeField("زمان ویرایش", auto_now=True)

    class Meta:
        verbose_name = "تسویهٔ در جریان"
        verbose_name_plural = "تسویه‌های در جریان"

    def __str__(self) -> str:
        return f"پیش‌نویس خرید کاربر {to_persian_digits(self.user_id)}"
