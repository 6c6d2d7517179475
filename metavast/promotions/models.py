"""Discount codes and their redemptions.

A code takes a percentage or a fixed amount (Rials, VAT included: discounts are taken off the
prices the shopper sees, see metavast.core.vat) off the cart's goods it applies to: every item,
or only the products and categories (with their subcategories) it names. It is valid within a
window that staff enter in Jalali dates, needs a minimum cart (goods, VAT included), and has a
total cap and a per-customer cap.

`used_count` is the number of live redemptions. Placing an order raises it with a conditional
UPDATE (`used_count < max_uses`) in the order's own transaction, so parallel checkouts can
never redeem more than the cap; cancelling an order that was never paid releases its
redemption and gives the use back. A redemption points at its order (the orders app sits above
this one: a string reference, never an import).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class DiscountKind(models.TextChoices):
    # A percentage of the eligible goods, VAT included.
    PERCENT = "percent", "درصدی"
    # A fixed amount off the eligible goods (never more than they cost).
    FIXED = "fixed", "مبلغ ثابت"


class DiscountCodeQuerySet(models.QuerySet):
    def by_code(self, code: str):
        return self.filter(code=code)


class DiscountCode(models.Model):
    code = models.CharField(
        "کد", max_length=32, unique=True, help_text="حروف لاتین بزرگ، رقم، خط تیره و زیرخط."
    )
    description = models.CharField("توضیح برای کارکنان", max_length=200, blank=True)
    kind = models.CharField("نوع تخفیف", max_length=10, choices=DiscountKind.choices)
    percent = models.PositiveSmallIntegerField("درصد تخفیف", null=True, blank=True)
    amount = models.PositiveBigIntegerField("مبلغ تخفیف (ریال)", null=True, blank=True)
    min_cart_total = models.PositiveBigIntegerField("حداقل مبلغ سبد با مالیات (ریال)", default=0)
    categories = models.ManyToManyField(
        "catalog.Category",
        blank=True,
        related_name="+",
        verbose_name="فقط برای این دسته‌ها",
    )
    products = models.ManyToManyField(
        "catalog.Product",
        blank=True,
        related_name="+",
        verbose_name="فقط برای این کالاها",
    )
    starts_at = models.DateTimeField("آغاز اعتبار")
    ends_at = models.DateTimeField("پایان اعتبار")
    max_uses = models.PositiveIntegerField("سقف کل استفاده", null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField("سقف استفادهٔ هر مشتری", default=1)
    used_count = models.PositiveIntegerField("شمار استفاده", default=0, editable=False)
    is_active = models.BooleanField("فعال", default=True)
    created_at = models.DateTimeField("زمان ساخت", default=timezone.now, editable=False)

    objects = DiscountCodeQuerySet.as_manager()

    class Meta:
        verbose_name = "کد تخفیف"
        verbose_name_plural = "کدهای تخفیف"
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="percent", percent__gte=1, percent__lte=100, amount__isnull=True)
                    | Q(kind="fixed", amount__gte=1, percent__isnull=True)
                ),
                name="discountcode_kind_value",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="discountcode_window_order"
            ),
            # The last line of defence of the cap: even a bug cannot redeem past it.
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(used_count__lte=F("max_uses")),
                name="discountcode_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(max_uses_per_customer__gte=1), name="discountcode_per_customer_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountRedemption(models.Model):
    code = models.ForeignKey(
        DiscountCode, on_delete=models.PROTECT, related_name="redemptions", verbose_name="کد"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="مشتری",
    )
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="discount_redemption",
        verbose_name="سفارش",
    )
    amount = models.PositiveBigIntegerField("مبلغ تخفیف با مالیات (ریال)")
    created_at = models.DateTimeField("زمان استفاده", default=timezone.now)
    # Set when the order was cancelled unpaid: the use went back to the code.
    released_at = models.DateTimeField("زمان آزادسازی", null=True, blank=True)

    class Meta:
        verbose_name = "استفاده از کد تخفیف"
        verbose_name_plural = "استفاده‌های کد تخفیف"
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["code", "user"], name="redemption_code_user")]

    def __str__(self) -> str:
        return f"{self.code_id} → {self.order_id}"

    @property
    def is_live(self) -> bool:
        return self.released_at is None
