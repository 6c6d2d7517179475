"""Orders: a snapshot of what was bought, for how much, shipped where and to whom.

An order never reads the catalog, the cart or the address book after it is placed: lines
copy the title, options and price; the order copies the address and the receiver. The
street-level address and the receiver (who may be another person, P4) are encrypted and
serve this order alone. Province and city stay in clear: staff filter by them.

Status lives in `OrderStatus` with its transitions table `TRANSITIONS`; only
`metavast.orders.services.order_set_status` changes it (row lock, history, audit, notify).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from metavast.accounts.models import iran_divisions
from metavast.core.fields import EncryptedCharField, EncryptedTextField
from metavast.core.vat import gross_amount, vat_amount


class OrderStatus(models.TextChoices):
    # Placed, stock reserved, not paid yet; cancelled by the expiry task when time runs out.
    AWAITING_PAYMENT = "awaiting_payment", "در انتظار پرداخت"
    # Payment verified, stock committed; staff have not started on it yet.
    PAID = "paid", "پرداخت‌شده"
    # On hold: staff asked the customer for missing or corrected information (P3).
    AWAITING_INFO = "awaiting_info", "در انتظار اطلاعات شما"
    # Being packed; cash-on-delivery orders start here.
    PROCESSING = "processing", "در حال آماده‌سازی"
    # Handed to the carrier, with a tracking code.
    SHIPPED = "shipped", "ارسال‌شده"
    # The receiver has it.
    DELIVERED = "delivered", "تحویل‌شده"
    # Will not be fulfilled; `refund_due` says whether money must go back.
    CANCELLED = "cancelled", "لغوشده"
    # Money went back to the customer (recorded by staff).
    REFUNDED = "refunded", "بازپرداخت‌شده"


# Staff screens name the statuses from the shop's side; the customer's wording stays in the
# choices above («در انتظار اطلاعات شما» is what the customer reads).
STAFF_LABELS: dict[str, str] = {
    **{status.value: status.label for status in OrderStatus},
    OrderStatus.AWAITING_INFO: "در انتظار اطلاعات مشتری",
}


def staff_transition_label(from_status: str, to_status: str) -> str:
    """«در انتظار پرداخت ← پرداخت‌شده», in staff wording (the arrow points the way Persian reads)."""
    before = STAFF_LABELS.get(from_status, from_status) if from_status else "—"
    return f"{before} ← {STAFF_LABELS.get(to_status, to_status)}"


S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PROCESSING, S.AWAITING_INFO, S.CANCELLED}),
    S.AWAITING_INFO: frozenset({S.PROCESSING, S.CANCELLED}),
    S.PROCESSING: frozenset({S.AWAITING_INFO, S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}
# The customer may cancel until staff start packing.
CUSTOMER_CANCELLABLE = frozenset({S.AWAITING_PAYMENT, S.PAID, S.AWAITING_INFO})
# Statuses whose reserved (not yet committed) stock the order holds.
HOLDS_RESERVED_STOCK = frozenset({S.AWAITING_PAYMENT})
# Statuses whose stock was committed but has not left the warehouse.
HOLDS_COMMITTED_STOCK = frozenset({S.PAID, S.AWAITING_INFO, S.PROCESSING})
# Statuses in which an order with nothing paid holds stock: awaiting online payment, or cash
# on delivery not yet shipped. The stock-hoarding caps count these (see placement).
HOLDS_STOCK_UNPAID = frozenset({S.AWAITING_PAYMENT, S.AWAITING_INFO, S.PROCESSING})


class PaymentMethod(models.TextChoices):
    ONLINE = "online", "پرداخت اینترنتی"
    COD = "cod", "پرداخت در محل"


class CancelReason(models.TextChoices):
    CUSTOMER = "customer", "به درخواست مشتری"
    EXPIRED = "expired", "پایان مهلت پرداخت"
    STAFF = "staff", "به تصمیم فروشگاه"
    INFO_DEADLINE = "info_deadline", "بی‌پاسخ ماندن درخواست اطلاعات"


class OrderQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def awaiting_payment(self):
        return self.filter(status=OrderStatus.AWAITING_PAYMENT)

    def open_unpaid(self):
        """Orders holding stock that nobody has paid for yet."""
        return self.filter(status__in=HOLDS_STOCK_UNPAID, paid_at__isnull=True)

    def expired_unpaid(self, now=None):
        return self.awaiting_payment().filter(expires_at__lte=now or timezone.now())

    def newest_first(self):
        return self.order_by("-placed_at", "-pk")


class Order(models.Model):
    number = models.CharField("شمارهٔ سفارش", max_length=16, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name="مشتری",
    )
    # The checkout attempt's idempotency key: a double-clicked "pay" or a second tab
    # posting the same attempt finds this order instead of making another.
    checkout_key = models.CharField("کلید پرداخت", max_length=64, editable=False)
    status = models.CharField(
        "وضعیت", max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT
    )
    payment_method = models.CharField("روش پرداخت", max_length=10, choices=PaymentMethod.choices)

    subtotal = models.PositiveBigIntegerField("جمع کالاها (ریال)")
    shipping_cost = models.PositiveBigIntegerField("هزینهٔ ارسال (ریال)")
    vat_rate_basis_points = models.PositiveIntegerField("نرخ مالیات (در ده‌هزار)")
    vat = models.PositiveBigIntegerField("مالیات بر ارزش افزوده (ریال)")
    total = models.PositiveBigIntegerField("مبلغ کل (ریال)")
    # Net discount (before VAT): the sum of the lines' `discount` (metavast.core.vat, rule 4).
    discount = models.PositiveBigIntegerField("تخفیف (ریال)", default=0)
    discount_code = models.CharField("کد تخفیف", max_length=32, blank=True)
    # Placed with VAT-inclusive prices: each line carries its own VAT and discount. Orders
    # placed before that keep their amounts, with VAT on the order as a whole.
    vat_included = models.BooleanField("قیمت‌ها با مالیات", default=False, editable=False)

    shipping_method = models.ForeignKey(
        "checkout.ShippingMethod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="روش ارسال",
    )
    shipping_method_name = models.CharField("روش ارسال", max_length=80)
    weight_grams = models.PositiveIntegerField("وزن (گرم)", default=0)

    # The address, copied at placement. Coarse parts in clear, the rest encrypted.
    province = models.CharField("استان", max_length=40)
    city = models.CharField("شهر", max_length=60, db_index=True)
    street = EncryptedCharField("خیابان", max_length=200)
    alley = EncryptedCharField("کوچه", max_length=120, blank=True)
    plaque = EncryptedCharField("پلاک", max_length=20)
    unit = EncryptedCharField("واحد", max_length=20, blank=True)
    postal_code = EncryptedCharField("کد پستی", max_length=10)
    # Who receives it (P4): the customer, or another person for this order only.
    receiver_is_self = models.BooleanField("گیرنده خود مشتری است", default=True)
    receiver_first_name = EncryptedCharField("نام گیرنده", max_length=80)
    receiver_last_name = EncryptedCharField("نام خانوادگی گیرنده", max_length=80)
    receiver_mobile = EncryptedCharField("تلفن همراه گیرنده", max_length=16)

    tracking_code = models.CharField("کد رهگیری", max_length=64, blank=True)
    placed_at = models.DateTimeField("زمان ثبت", default=timezone.now, db_index=True)
    expires_at = models.DateTimeField("مهلت پرداخت", null=True, blank=True)
    paid_at = models.DateTimeField("زمان پرداخت", null=True, blank=True)
    # The payments app's Payment id that paid this order (no FK: payments depends on orders).
    paid_payment_id = models.PositiveBigIntegerField(
        "شناسهٔ پرداخت", null=True, blank=True, editable=False
    )
    processing_at = models.DateTimeField("آغاز آماده‌سازی", null=True, blank=True)
    shipped_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    delivered_at = models.DateTimeField("زمان تحویل", null=True, blank=True)
    cancelled_at = models.DateTimeField("زمان لغو", null=True, blank=True)
    cancel_reason = models.CharField(
        "دلیل لغو", max_length=20, choices=CancelReason.choices, blank=True
    )
    # Paid online and then cancelled: the money must go back (staff record the refund).
    refund_due = models.BooleanField("بازپرداخت لازم است", default=False)
    refunded_at = models.DateTimeField("زمان بازپرداخت", null=True, blank=True)
    refund_reference = models.CharField("شناسهٔ بازپرداخت", max_length=64, blank=True)
    refunded_amount = models.PositiveBigIntegerField("مبلغ بازپرداخت (ریال)", null=True, blank=True)
    # P4: another person's name, phone and street address served this order alone and are
    # erased once its retention period has passed (province and city stay, for statistics).
    receiver_erased_at = models.DateTimeField("حذف اطلاعات گیرنده", null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "سفارش"
        verbose_name_plural = "سفارش‌ها"
        ordering = ("-placed_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "checkout_key"], name="order_one_per_checkout_attempt"
            ),
            models.UniqueConstraint(
                fields=["paid_payment_id"],
                condition=Q(paid_payment_id__isnull=False),
                name="order_payment_pays_one_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("subtotal")
                    + models.F("shipping_cost")
                    - models.F("discount")
                    + models.F("vat")
                ),
                name="order_total_adds_up_after_discount",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
            models.Index(fields=["user", "-placed_at"], name="order_user_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("orders:detail", kwargs={"number": self.number})

    def payment_start_url(self) -> str | None:
        """The payments app's start view (a POST form target), once that app is mounted."""
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("payments:start", kwargs={"number": self.number})
        except NoReverseMatch:
            return None

    @property
    def province_name(self) -> str:
        return iran_divisions().get(self.province, {}).get("name", "")

    @property
    def receiver_name(self) -> str:
        return f"{self.receiver_first_name} {self.receiver_last_name}".strip()

    def address_line(self) -> str:
        if self.receiver_erased_at is not None:
            return f"{self.province_name}، {self.city} (جزئیات حذف شد)"
        parts = [self.province_name, self.city, self.street]
        if self.alley:
            parts.append(self.alley)
        parts.append(f"پلاک {self.plaque}")
        if self.unit:
            parts.append(f"واحد {self.unit}")
        return "، ".join(p for p in parts if p)

    @property
    def shipping_vat(self) -> int:
        """The VAT on shipping (a line of its own; for older orders, part of `vat`)."""
        return vat_amount(self.shipping_cost, self.vat_rate_basis_points)

    @property
    def shipping_gross(self) -> int:
        return self.shipping_cost + self.shipping_vat

    @cached_property
    def goods_gross(self) -> int:
        """The goods as the shopper saw them: VAT included, before the discount."""
        return sum(line.gross for line in self.lines.all())

    @property
    def discount_shown(self) -> int:
        """The discount as the shopper saw it, VAT included."""
        return self.goods_gross + self.shipping_gross - self.total

    @property
    def is_customer_cancellable(self) -> bool:
        return self.status in CUSTOMER_CANCELLABLE

    @property
    def is_payable(self) -> bool:
        return (
            self.status == OrderStatus.AWAITING_PAYMENT
            and self.payment_method == PaymentMethod.ONLINE
            and (self.expires_at is None or self.expires_at > timezone.now())
        )


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name="سفارش"
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="گونهٔ کالا",
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="کالا",
    )
    sku = models.CharField("کد کالا", max_length=64)
    title = models.CharField("عنوان", max_length=200)
    options_label = models.CharField("مدل", max_length=200, blank=True)
    unit_price = models.PositiveBigIntegerField("قیمت واحد (ریال)")
    quantity = models.PositiveIntegerField("تعداد")
    line_total = models.PositiveBigIntegerField("جمع (ریال)")
    weight_grams = models.PositiveIntegerField("وزن واحد (گرم)", default=0)
    # VAT-inclusive orders (Order.vat_included): this line's net discount and its own VAT,
    # by metavast.core.vat; the line was charged line_total - discount + vat.
    discount = models.PositiveBigIntegerField("تخفیف (ریال)", default=0)
    vat = models.PositiveBigIntegerField("مالیات (ریال)", null=True, blank=True)

    class Meta:
        verbose_name = "ردیف سفارش"
        verbose_name_plural = "ردیف‌های سفارش"
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="orderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(line_total=models.F("unit_price") * models.F("quantity")),
                name="orderline_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(discount__lte=models.F("line_total")),
                name="orderline_discount_within_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    @property
    def gross(self) -> int:
        """The line as the shopper saw it: VAT included, before any discount."""
        return gross_amount(self.line_total, self.order.vat_rate_basis_points)

    @property
    def charged(self) -> int | None:
        """What the shopper paid for this line, VAT included (None for older orders)."""
        if self.vat is None:
            return None
        return self.line_total - self.discount + self.vat


class OrderStatusChange(models.Model):
    """The order's history. A row whose from and to are equal records a step that did not
    change the status (a reminder sent, an answer received while on hold...)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="history", verbose_name="سفارش"
    )
    from_status = models.CharField("از", max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("به", max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="انجام‌دهنده",
    )
    # Shown to the customer on the timeline: no personal data here.
    note = models.CharField("یادداشت", max_length=300, blank=True)
    created_at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        verbose_name = "تغییر وضعیت سفارش"
        verbose_name_plural = "تاریخچهٔ سفارش"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return staff_transition_label(self.from_status, self.to_status)

    @property
    def is_status_change(self) -> bool:
        return self.from_status != self.to_status


class CancellationRequestStatus(models.TextChoices):
    # The customer asked to cancel a paid order; staff have not decided yet.
    PENDING = "pending", "در انتظار بررسی"
    # Staff approved: the order was cancelled and its refund is due.
    APPROVED = "approved", "تأییدشده"
    # Staff refused, with a reason the customer reads on the order page.
    REFUSED = "refused", "ردشده"


CR = CancellationRequestStatus
CANCELLATION_TRANSITIONS: dict[str, frozenset[str]] = {
    CR.PENDING: frozenset({CR.APPROVED, CR.REFUSED}),
    CR.APPROVED: frozenset(),
    CR.REFUSED: frozenset(),
}
# What the customer is told about a refund to the card they paid with: the bank network
# (Shaparak) returns card payments within this many working days of the approval.
REFUND_WORKING_DAYS = 3


class CancellationRequest(models.Model):
    """A customer's request to cancel an order already paid for: the money must go back, so
    staff decide (the order may already be on its way). Approval cancels the order through
    its state machine, which marks the refund due; refusal keeps the order and tells the
    customer why."""

    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="cancellation_requests",
        verbose_name="سفارش",
    )
    status = models.CharField(
        "وضعیت",
        max_length=10,
        choices=CancellationRequestStatus.choices,
        default=CancellationRequestStatus.PENDING,
    )
    # What goes back, copied when asked: the order's total as paid.
    refund_amount = models.PositiveBigIntegerField("مبلغ بازپرداخت (ریال)")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="درخواست‌کننده",
    )
    created_at = models.DateTimeField("زمان درخواست", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="بررسی‌کننده",
    )
    decided_at = models.DateTimeField("زمان بررسی", null=True, blank=True)
    # Staff's words to the customer when refusing; shown on the order page and in the message.
    refusal_text = models.CharField("دلیل رد (برای مشتری)", max_length=300, blank=True)

    class Meta:
        verbose_name = "درخواست لغو"
        verbose_name_plural = "درخواست‌های لغو"
        ordering = ("-created_at", "-pk")
        permissions = [("decide_cancellationrequest", "تأیید یا رد درخواست لغو سفارش پرداخت‌شده")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="cancellationrequest_one_pending_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == CancellationRequestStatus.PENDING


class InfoField(models.TextChoices):
    """What staff say is missing or wrong (P3)."""

    MOBILE = "mobile", "تلفن همراه"
    ADDRESS = "address", "نشانی"
    POSTAL_CODE = "postal_code", "کد پستی"
    RECEIVER = "receiver", "گیرنده"
    OTHER = "other", "موارد دیگر"


class InfoRequestStatus(models.TextChoices):
    OPEN = "open", "در انتظار پاسخ"
    ANSWERED = "answered", "پاسخ داده شد"
    LAPSED = "lapsed", "مهلت گذشت"
    WITHDRAWN = "withdrawn", "بسته شد"


class InfoRequest(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="info_requests", verbose_name="سفارش"
    )
    fields = models.JSONField("موارد", default=list)
    # Staff's words to the customer; may quote the address, so encrypted.
    message = EncryptedTextField("پیام به مشتری")
    status = models.CharField(
        "وضعیت", max_length=10, choices=InfoRequestStatus.choices, default=InfoRequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="درخواست‌کننده",
    )
    created_at = models.DateTimeField("زمان درخواست", default=timezone.now)
    deadline_at = models.DateTimeField("مهلت پاسخ")
    reminded_at = models.DateTimeField("یادآوری", null=True, blank=True)
    answered_at = models.DateTimeField("زمان پاسخ", null=True, blank=True)
    answer_note = EncryptedTextField("توضیح مشتری", blank=True)

    class Meta:
        verbose_name = "درخواست اطلاعات"
        verbose_name_plural = "درخواست‌های اطلاعات"
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="open"), name="inforequest_one_open_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {', '.join(self.fields)}"

    @property
    def field_labels(self) -> list[str]:
        return [InfoField(f).label for f in self.fields if f in InfoField.values]
