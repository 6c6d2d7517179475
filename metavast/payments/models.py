"""Payments: one row per attempt to pay an order through a gateway.

An order may have several attempts (the customer cancels at the bank and tries again), but
the database lets at most one of them be `paid` (a conditional unique constraint), and a
gateway's authority names one attempt only (unique gateway + authority). Those two
constraints, and a row lock while a callback is verified, are what make a replayed or
concurrent callback a no-op: see services.py.

The amount is copied from the order when the attempt starts and is what we verify with: a
callback never tells us how much was paid. No personal data here: the card number is masked
by the bank (first six and last four digits) and `last_error` holds our short codes only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PaymentStatus(models.TextChoices):
    # The row exists; the gateway has not given us an authority yet.
    INITIATED = "initiated", "ایجادشده"
    # The customer was sent to the gateway; we wait for the callback or reconciliation.
    PENDING = "pending", "در انتظار بانک"
    # Verified by the gateway and the order marked paid. Final.
    PAID = "paid", "پرداخت‌شده"
    # The gateway refused, or never gave us an authority. Only a later verify can revive it.
    FAILED = "failed", "ناموفق"
    # The customer cancelled at the bank. Only a later verify can revive it.
    CANCELLED = "cancelled", "لغوشده"
    # Money was taken but the order could not take it (expired, cancelled, already paid):
    # staff must give it back. Final for us.
    REFUND_DUE = "refund_due", "نیازمند بازگشت وجه"


# The one table of allowed moves. A verify that says "paid" may revive a failed or cancelled
# attempt: the bank is the truth about money, and a forged "NOK" must not lose a payment.
TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.INITIATED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.PENDING: frozenset(
        {
            PaymentStatus.PAID,
            PaymentStatus.FAILED,
            PaymentStatus.CANCELLED,
            PaymentStatus.REFUND_DUE,
        }
    ),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PAID, PaymentStatus.REFUND_DUE}),
    PaymentStatus.CANCELLED: frozenset({PaymentStatus.PAID, PaymentStatus.REFUND_DUE}),
    PaymentStatus.PAID: frozenset(),
    PaymentStatus.REFUND_DUE: frozenset(),
}

# Money that reached us: a second verify has nothing to change.
SETTLED = frozenset({PaymentStatus.PAID, PaymentStatus.REFUND_DUE})


class PaymentQuerySet(models.QuerySet):
    def lock(self, pk: int, *, with_order: bool = False) -> Payment:
        """The payment row, locked until the end of the caller's transaction.

        `with_order` reads the order in the same query, without locking it.
        """
        rows = self.select_for_update(of=("self",))
        return (rows.select_related("order") if with_order else rows).get(pk=pk)

    def for_authority(self, gateway: str, authority: str):
        return self.filter(gateway=gateway, authority=authority).exclude(authority="")

    def due_for_reconciliation(self, *, older_than):
        return self.filter(status=PaymentStatus.PENDING, updated_at__lt=older_than).order_by("pk")


class Payment(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name="سفارش"
    )
    gateway = models.CharField("درگاه", max_length=20)
    # The gateway's id for this attempt; empty until the gateway answers our request.
    authority = models.CharField("شناسهٔ پرداخت", max_length=64, blank=True, default="")
    amount = models.PositiveBigIntegerField("مبلغ (ریال)")
    status = models.CharField(
        "وضعیت", max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.INITIATED
    )
    ref_id = models.CharField("شمارهٔ پیگیری", max_length=64, blank=True)
    card_pan = models.CharField("کارت (پوشیده)", max_length=24, blank=True)
    redirect_url = models.CharField("نشانی درگاه", max_length=500, blank=True)
    attempts = models.PositiveIntegerField("دفعات استعلام", default=0)
    last_error = models.CharField("آخرین خطا", max_length=80, blank=True)
    created_at = models.DateTimeField("ایجاد", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("به‌روزرسانی", auto_now=True)
    paid_at = models.DateTimeField("زمان پرداخت", null=True, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "پرداخت"
        verbose_name_plural = "پرداخت‌ها"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "authority"],
                condition=~Q(authority=""),
                name="payments_unique_gateway_authority",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status=PaymentStatus.PAID),
                name="payments_one_paid_per_order",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.pk}"

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED


class SandboxStatus(models.TextChoices):
    # The bank page is waiting for the customer.
    CREATED = "created", "در انتظار"
    # The customer pressed «پرداخت»: money taken, not verified yet.
    PAID = "paid", "پرداخت‌شده"
    # Verified by the shop once; a second verify answers "already verified".
    VERIFIED = "verified", "تأییدشده"
    # The customer pressed «انصراف».
    CANCELLED = "cancelled", "لغوشده"


class SandboxTransaction(models.Model):
    """The sandbox gateway's own books: what a real bank would keep on its side."""

    authority = models.CharField("شناسهٔ درگاه", max_length=64, unique=True)
    amount = models.PositiveBigIntegerField("مبلغ (ریال)")
    callback_url = models.CharField("نشانی بازگشت", max_length=500)
    description = models.CharField("شرح", max_length=255, blank=True)
    status = models.CharField(
        "وضعیت", max_length=10, choices=SandboxStatus.choices, default=SandboxStatus.CREATED
    )
    ref_id = models.CharField("شمارهٔ پیگیری", max_length=32, blank=True)
    created_at = models.DateTimeField("زمان ساخت", auto_now_add=True)

    class Meta:
        verbose_name = "تراکنش درگاه آزمایشی"
        verbose_name_plural = "تراکنش‌های درگاه آزمایشی"

    def __str__(self) -> str:
        return self.authority
