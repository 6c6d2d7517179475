"""What checkout needs beside the cart: shipping methods and their rates, the VAT rate, and
the customer's checkout in progress.

Shipping rules are data staff edit in the admin: a method (Post پیشتاز, Post سفارشی, Tipax,
same-day courier...) says where it goes (every city, or a list of cities), how heavy a parcel
it takes and whether cash on delivery is allowed; its rates say what a parcel up to a weight
costs, per province or for every province without its own rate. VAT is a rate with a start
date, so a change of law is a new row, not a deploy.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metavast.core.fields import EncryptedCharField
from metavast.core.jalali import format_jalali_date
from metavast.core.text import to_persian_digits

# Said by the `allows_cod` flag, and only by it (the description must not repeat it).
COD_NOTE = "پرداخت در محل ممکن است"
_CLAUSE_SPLIT = re.compile(r"\s*[،؛,;]\s*")


def _said(text: str) -> str:
    """A clause reduced to what it says: no half-spaces, one space, no final full stop."""
    return " ".join(text.replace("\u200c", " ").split()).rstrip(".").strip()


def _mentions_cod(text: str) -> bool:
    return "پرداخت در محل" in _said(text)


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
    # A courier that comes at an agreed time: the customer picks a day and time window
    # (DeliveryWindow) at the shipping step.
    needs_delivery_window = models.BooleanField(
        "انتخاب روز و بازهٔ تحویل",
        default=False,
        help_text="برای پیک: مشتری روز و ساعت تحویل را انتخاب می‌کند.",
    )
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
        if _mentions_cod(self.description or ""):
            raise ValidationError(
                {
                    "description": "«پرداخت در محل» را در توضیح ننویسید: گزینهٔ «پرداخت در محل"
                    " مجاز است» آن را به مشتری می‌گوید."
                }
            )
        estimate = _said(self.delivery_estimate or "")
        if estimate and estimate in _said(self.description or ""):
            raise ValidationError(
                {"description": "زمان تحویل را در توضیح تکرار نکنید: در «زمان تحویل» آمده است."}
            )

    @property
    def option_notes(self) -> list[str]:
        """What the shipping step says under the method, each thing once: the description's
        own clauses, then the delivery time and cash on delivery from their fields. A clause
        of the description that says what a field says (rows saved before `clean` refused
        them) is left to the field."""
        estimate = _said(self.delivery_estimate or "")
        notes: list[str] = []
        seen: set[str] = set()
        for clause in _CLAUSE_SPLIT.split(self.description or ""):
            said = _said(clause)
            if not said or said in seen or _mentions_cod(said) or said == estimate:
                continue
            seen.add(said)
            notes.append(" ".join(clause.split()).rstrip("."))  # as staff wrote it
        if estimate:
            notes.append(f"زمان تحویل: {' '.join(self.delivery_estimate.split())}")
        if self.allows_cod:
            notes.append(COD_NOTE)
        return notes


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
    # A courier's day and time window, chosen with the shipping method (checked again, and
    # taken, when the order is placed).
    delivery_window = models.ForeignKey(
        "checkout.DeliveryWindow",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="بازهٔ تحویل",
    )
    updated_at = models.DateTimeField("زمان ویرایش", auto_now=True)

    class Meta:
        verbose_name = "تسویهٔ در جریان"
        verbose_name_plural = "تسویه‌های در جریان"

    def __str__(self) -> str:
        return f"پیش‌نویس خرید کاربر {to_persian_digits(self.user_id)}"


class DeliveryWindowQuerySet(models.QuerySet):
    def with_room(self):
        return self.filter(is_active=True, booked__lt=models.F("capacity"))

    def bookable(self, *, method_id: int, now=None, days: int = 7, with_room: bool = True):
        """Windows of `method_id` in the next `days` days (today included) that have not
        started yet and (unless `with_room` is False) still have room, in time order."""
        now = timezone.localtime(now or timezone.now())
        today = now.date()
        rows = self.with_room() if with_room else self.filter(is_active=True)
        return (
            rows.filter(
                method_id=method_id, date__gte=today, date__lt=today + dt.timedelta(days=days)
            )
            .exclude(date=today, starts_at__lte=now.time())
            .order_by("date", "starts_at", "pk")
        )


class DeliveryWindow(models.Model):
    """A day and time window in which a courier method delivers, and how many orders it
    takes. `booked` only grows by a conditional UPDATE at placement (never past capacity:
    see delivery.py) and shrinks when a booked order is cancelled."""

    method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.CASCADE,
        related_name="delivery_windows",
        verbose_name="روش ارسال",
    )
    date = models.DateField("روز")
    starts_at = models.TimeField("از ساعت")
    ends_at = models.TimeField("تا ساعت")
    capacity = models.PositiveIntegerField("ظرفیت (تعداد سفارش)")
    booked = models.PositiveIntegerField("رزروشده", default=0, editable=False)
    is_active = models.BooleanField("فعال", default=True)

    objects = DeliveryWindowQuerySet.as_manager()

    class Meta:
        verbose_name = "بازهٔ تحویل"
        verbose_name_plural = "بازه‌های تحویل"
        ordering = ("date", "starts_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "date", "starts_at"], name="delivery_window_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")),
                name="delivery_window_not_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="delivery_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "پایان بازه باید پس از آغاز آن باشد."
        if self.capacity is not None and self.capacity < self.booked:
            errors["capacity"] = (
                f"ظرفیت نمی‌تواند کمتر از سفارش‌های رزروشده ({to_persian_digits(self.booked)}) باشد."
            )
        if self.method_id and not self.method.needs_delivery_window:
            errors["method"] = (
                "این روش ارسال بازهٔ تحویل ندارد؛ نخست «انتخاب روز و بازهٔ تحویل» را برایش روشن کنید."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def room(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def label(self) -> str:
        return window_label(self.date, self.starts_at, self.ends_at)


class RecurringWindow(models.Model):
    """Hours a courier method delivers every day, with a capacity: a periodic job
    (delivery_schedule.delivery_windows_open) opens a DeliveryWindow for each of the coming
    days, so customers always have days to choose from without staff typing each one in.
    Windows already opened are never changed by it: staff edit or close them one by one."""

    method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.CASCADE,
        related_name="recurring_windows",
        verbose_name="روش ارسال",
    )
    starts_at = models.TimeField("از ساعت")
    ends_at = models.TimeField("تا ساعت")
    capacity = models.PositiveIntegerField("ظرفیت هر روز (تعداد سفارش)")
    # Friday is the weekend in Iran: most couriers rest.
    on_fridays = models.BooleanField("جمعه‌ها هم", default=False)
    is_active = models.BooleanField("فعال", default=True)

    class Meta:
        verbose_name = "بازهٔ تحویل روزانه"
        verbose_name_plural = "بازه‌های تحویل روزانه"
        ordering = ("starts_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "starts_at"], name="recurring_window_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="recurring_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return to_persian_digits(
            f"{self.method} — ساعت {self.starts_at:%H:%M} تا {self.ends_at:%H:%M}"
        )

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "پایان بازه باید پس از آغاز آن باشد."})


def window_label(day, starts_at, ends_at) -> str:
    """«سه‌شنبه ۱۸ آذر، ساعت ۹ تا ۱۲» (minutes only when not on the hour)."""
    weekdays = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
    months = (
        "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
        "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
    )  # fmt: skip
    jday = jdatetime.date.fromgregorian(date=day)

    def clock(t) -> str:
        return f"{t.hour}" if t.minute == 0 else f"{t.hour}:{t.minute:02d}"

    # Python's Monday is 0; the Persian week starts on Saturday (5).
    weekday = weekdays[(day.weekday() + 2) % 7]
    text = f"{weekday} {jday.day} {months[jday.month - 1]}، ساعت {clock(starts_at)} تا {clock(ends_at)}"
    return to_persian_digits(text)


class DeliveryBooking(models.Model):
    """The window an order takes. Day and hours are copied: the order page keeps saying what
    was promised even if staff later edit the window. Not part of the price or the invoice."""

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="delivery_slot",
        verbose_name="سفارش",
    )
    window = models.ForeignKey(
        DeliveryWindow, on_delete=models.PROTECT, related_name="bookings", verbose_name="بازه"
    )
    date = models.DateField("روز")
    starts_at = models.TimeField("از ساعت")
    ends_at = models.TimeField("تا ساعت")
    # Set when the order was cancelled and its place went back to the window.
    released_at = models.DateTimeField("آزادشده", null=True, blank=True)
    created_at = models.DateTimeField("زمان رزرو", auto_now_add=True)

    class Meta:
        verbose_name = "رزرو بازهٔ تحویل"
        verbose_name_plural = "رزروهای بازهٔ تحویل"

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return window_label(self.date, self.starts_at, self.ends_at)
