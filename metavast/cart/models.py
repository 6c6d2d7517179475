"""Carts: one per signed-in customer, and one per guest browser (found by a random token kept
in the session). A line remembers the price when it was added, so the cart page can say what
changed since; the price charged is always the variant's current price, computed on the
server (see `pricing.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CartQuerySet(models.QuerySet):
    def of_user(self, user):
        return self.filter(user=user)

    def of_guest(self, token: str):
        return self.filter(user__isnull=True, token=token)


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name="کاربر",
    )
    # Guest carts only: a random token stored in the guest's session.
    token = models.CharField("توکن", max_length=64, null=True, blank=True, unique=True)
    # Goes up on every change: the review page carries it, so a cart changed in another tab
    # after review is noticed before an order is placed from it.
    version = models.PositiveIntegerField("نسخه", default=0)
    # The discount code the shopper applied (metavast.promotions); checked again each time the
    # cart is priced and when the order is placed, redeemed only then.
    discount_code = models.CharField("کد تخفیف", max_length=32, blank=True, default="")
    created_at = models.DateTimeField("زمان ساخت", default=timezone.now)
    updated_at = models.DateTimeField("زمان ویرایش", auto_now=True)

    objects = CartQuerySet.as_manager()

    class Meta:
        verbose_name = "سبد خرید"
        verbose_name_plural = "سبدهای خرید"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(token__isnull=False), name="cart_has_owner"
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="lines", verbose_name="سبد"
    )
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.CASCADE, related_name="+", verbose_name="گونهٔ کالا"
    )
    quantity = models.PositiveIntegerField("تعداد")
    price_when_added = models.PositiveBigIntegerField("قیمت هنگام افزودن (ریال)")
    added_at = models.DateTimeField("زمان افزودن", default=timezone.now)

    class Meta:
        verbose_name = "ردیف سبد"
        verbose_name_plural = "ردیف‌های سبد"
        ordering = ("added_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} × {self.quantity}"
