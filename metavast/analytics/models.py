"""Aggregate tables of the shop's traffic (issue 13, item 4; P5: research in aggregate).

Nothing here names a person: no IP, no user id, no cookie or session value, no user agent.
A row is a count under a (time, metric, key) triple: the key is a product's slug, a checkout
step, a normalised search term, a referrer's domain or a device class, never anything typed
about a person. `DailyVisitor` holds, for the current day only, the hashes that make unique
visitors countable (salted with a random salt that is destroyed with them the next day);
metavast/analytics/salts.py explains it.
"""

from __future__ import annotations

from django.db import models


class Metric(models.TextChoices):
    PAGE_VIEW = "page_view", "بازدید صفحه"  # a storefront HTML page, HTMX fragments excluded
    PRODUCT_VIEW = "product_view", "بازدید کالا"  # key: the product's slug
    ADD_TO_CART = "add_to_cart", "افزودن به سبد"
    CHECKOUT_STEP = "checkout_step", "گام تسویه"  # key: start, address, shipping, review, place
    PAID_ORDER = "paid_order", "سفارش پرداخت‌شده"  # from the orders table; total in Rials
    SEARCH = "search", "جست‌وجو"  # key: the normalised term ("" when it looked personal)
    REFERRER = "referrer", "ارجاع‌دهنده"  # key: the referring site's domain, nothing more
    DEVICE = "device", "نوع دستگاه"  # key: phone, tablet or desktop
    VISITORS = "visitors", "بازدیدکنندهٔ یکتا"  # daily only


class HourlyCount(models.Model):
    hour = models.DateTimeField("ساعت (آغاز)")
    metric = models.CharField("سنجه", max_length=20, choices=Metric.choices)
    key = models.CharField("کلید", max_length=100, blank=True, default="")
    count = models.PositiveBigIntegerField("تعداد", default=0)
    total = models.PositiveBigIntegerField("مبلغ (ریال)", default=0)

    class Meta:
        verbose_name = "آمار ساعتی"
        verbose_name_plural = "آمار ساعتی"
        constraints = [
            models.UniqueConstraint(fields=("hour", "metric", "key"), name="analytics_hour_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.metric} {self.key}: {self.count}"


class DailyCount(models.Model):
    day = models.DateField("روز (به وقت تهران)")
    metric = models.CharField("سنجه", max_length=20, choices=Metric.choices)
    key = models.CharField("کلید", max_length=100, blank=True, default="")
    count = models.PositiveBigIntegerField("تعداد", default=0)
    total = models.PositiveBigIntegerField("مبلغ (ریال)", default=0)

    class Meta:
        verbose_name = "آمار فروش و بازدید"
        verbose_name_plural = "آمار فروش و بازدید"
        constraints = [
            models.UniqueConstraint(fields=("day", "metric", "key"), name="analytics_day_uniq")
        ]
        indexes = [models.Index(fields=("metric", "day"), name="analytics_day_metric")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.key}: {self.count}"


class DailyVisitor(models.Model):
    """A salted hash seen on `day`; deleted with that day's salt (services.visitor_salts_destroy)."""

    day = models.DateField("روز")
    digest = models.CharField("چکیده", max_length=32)

    class Meta:
        verbose_name = "چکیدهٔ بازدیدکنندهٔ امروز"
        verbose_name_plural = "چکیده‌های بازدیدکنندهٔ امروز"
        constraints = [
            models.UniqueConstraint(fields=("day", "digest"), name="analytics_visitor_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.day}"
