"""Legal invoices and credit notes: numbered without gaps, immutable once issued.

Numbers run per kind (invoice, credit note) per Jalali fiscal year, from a counter row
that the issuing transaction locks and increments: if the transaction rolls back, so does
the increment, which is what keeps the series gapless. One invoice per order is enforced by
a unique constraint, so a replayed "order paid" issues nothing the second time.

An issued document never changes. `save()` refuses updates, the admin is read-only, and on
PostgreSQL a trigger refuses UPDATE of any issued column and every DELETE. Only the
delivery bookkeeping (PDF file name and digest, filled once; the tax system's status) is
written afterwards, through `InvoiceQuerySet._record_delivery`. A mistake is corrected by
a credit note that references the original and reverses the lines concerned. Once the
legal period (INVOICE_RETENTION_YEARS) is over, the retention engine cuts the buyer back
through `_cut_back_buyer`: the numbers and amounts stay, the buyer's details go.

Buyer details (name, mobile, national code, address; a company's name, identifiers and
postal code) are kept encrypted, in the invoice's buyer snapshot, in the Moadian payload
that repeats them and in `OfficialBuyer`: nothing that names the buyer is plaintext at rest.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Q

from metavast.core.fields import EncryptedCharField, EncryptedTextField
from metavast.core.text import to_persian_digits
from metavast.invoices.errors import InvoiceImmutable


class InvoiceKind(models.TextChoices):
    # A sale: one per order, issued when it is paid (cash on delivery: when delivered).
    INVOICE = "invoice", "فاکتور فروش"
    # A return or cancellation after issue: reverses lines of an earlier invoice.
    CREDIT_NOTE = "credit_note", "سند برگشت از فروش"


class MoadianStatus(models.TextChoices):
    # Waiting to be sent to the tax system.
    PENDING = "pending", "در صف ارسال"
    # Sent; the tax system has not answered with a final result yet.
    SENT = "sent", "ارسال‌شده"
    # The tax system accepted it.
    ACCEPTED = "accepted", "پذیرفته‌شده"
    # The tax system refused it; staff must look (a credit note and a new invoice).
    REJECTED = "rejected", "ردشده"


class InvoiceCounter(models.Model):
    kind = models.CharField("نوع", max_length=20, choices=InvoiceKind.choices)
    fiscal_year = models.PositiveIntegerField("سال مالی")
    last_number = models.PositiveIntegerField("آخرین شماره", default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "fiscal_year"], name="invoice_counter_one")
        ]
        verbose_name = "شمارندهٔ فاکتور"
        verbose_name_plural = "شمارنده‌های فاکتور"

    def __str__(self) -> str:
        return f"{self.kind} {self.fiscal_year}: {self.last_number}"


_DELIVERY_FIELDS = {
    "pdf_name",
    "pdf_sha256",
    "moadian_status",
    "moadian_reference",
    "moadian_error",
    "moadian_attempts",
    "moadian_sent_at",
}


class IssuedQuerySet(models.QuerySet):
    """Issued documents and their lines: no bulk update or delete."""

    def update(self, **kwargs):
        raise InvoiceImmutable()

    def delete(self):
        raise InvoiceImmutable()


class IssuedDocument(models.Model):
    """A row written once: saving an existing one or deleting it is refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise InvoiceImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable()


class InvoiceQuerySet(IssuedQuerySet):
    def _record_delivery(self, **kwargs) -> int:
        assert set(kwargs) <= _DELIVERY_FIELDS, kwargs
        return models.QuerySet.update(self, **kwargs)

    def for_user(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(order__user=user)

    def pending_submission(self):
        return self.filter(moadian_status=MoadianStatus.PENDING).order_by("pk")

    def _cut_back_buyer(self, *, buyer_erased_at, **blank) -> int:
        """The legal period is over: blank the buyer snapshot and the Moadian payload, and
        drop the stored PDF (it names the buyer; one without the buyer is made on request).

        The retention engine's writer for invoices (privacy.retention "invoice_buyers").
        On PostgreSQL the immutability trigger lets exactly these columns change, once, and
        only for invoices issued INVOICE_RETENTION_YEARS before `buyer_erased_at`; the
        transaction says how many years that is (migration 0007).
        """
        assert set(blank) <= {"buyer_json", "payload_json"}, blank
        from metavast.invoices import pdf

        years = int(settings.INVOICE_RETENTION_YEARS)
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('metavast.invoice_legal_years', %s, true)", [str(years)]
                )
        files = [name for name in self.values_list("pdf_name", flat=True) if name]
        changed = models.QuerySet.update(
            self,
            buyer_json="",
            payload_json="",
            pdf_name="",
            pdf_sha256="",
            buyer_erased_at=buyer_erased_at,
        )
        # The sealed files go once the rows no longer point at them.
        transaction.on_commit(lambda: pdf.delete_stored(files), using=self.db)
        return changed


class Invoice(IssuedDocument):
    kind = models.CharField("نوع", max_length=20, choices=InvoiceKind.choices)
    fiscal_year = models.PositiveIntegerField("سال مالی")
    number = models.PositiveIntegerField("شماره")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="invoices", verbose_name="سفارش"
    )
    original = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name="فاکتور اصلی",
    )
    issued_at = models.DateTimeField("زمان صدور")
    tax_id = models.CharField("شمارهٔ منحصربه‌فرد مالیاتی", max_length=22, unique=True)
    # 1: with the buyer identified (legal entities); 2: consumers, buyer not identified.
    moadian_type = models.PositiveSmallIntegerField("نوع صورتحساب مودیان")
    buyer_is_legal = models.BooleanField("خریدار حقوقی", default=False)
    seller = models.JSONField("فروشنده")
    buyer_json = EncryptedTextField("خریدار")
    subtotal = models.PositiveBigIntegerField("جمع مبلغ قبل از تخفیف (ریال)")
    discount = models.PositiveBigIntegerField("تخفیف (ریال)", default=0)
    vat = models.PositiveBigIntegerField("مالیات بر ارزش افزوده (ریال)")
    total = models.PositiveBigIntegerField("مبلغ کل (ریال)")
    reason = models.CharField("علت", max_length=200, blank=True)
    payload_json = EncryptedTextField("دادهٔ سامانهٔ مودیان")
    # Set once the legal period is over and the buyer snapshot, the Moadian payload and the
    # PDF (which name the buyer) were cut back: the invoice's numbers and amounts stay.
    buyer_erased_at = models.DateTimeField(
        "زمان پاک شدن مشخصات خریدار", null=True, blank=True, editable=False
    )

    pdf_name = models.CharField("نام پرونده PDF", max_length=200, blank=True, editable=False)
    pdf_sha256 = models.CharField("چکیدهٔ PDF", max_length=64, blank=True, editable=False)
    moadian_status = models.CharField(
        "وضعیت در سامانهٔ مودیان",
        max_length=20,
        choices=MoadianStatus.choices,
        default=MoadianStatus.PENDING,
    )
    moadian_reference = models.CharField("شناسهٔ پیگیری مودیان", max_length=80, blank=True)
    moadian_error = models.CharField("خطای مودیان", max_length=300, blank=True)
    moadian_attempts = models.PositiveSmallIntegerField(
        "شمار تلاش‌های ارسال به سامانهٔ مودیان", default=0
    )
    moadian_sent_at = models.DateTimeField("زمان ارسال به سامانهٔ مودیان", null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "فاکتور"
        verbose_name_plural = "فاکتورها و اسناد برگشت"
        ordering = ("-issued_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "fiscal_year", "number"], name="invoice_number_unique"
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind=InvoiceKind.INVOICE),
                name="invoice_one_per_order",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") - models.F("discount") + models.F("vat")),
                name="invoice_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, original__isnull=True)
                | Q(kind=InvoiceKind.CREDIT_NOTE, original__isnull=False),
                name="invoice_credit_note_has_original",
            ),
        ]
        indexes = [models.Index(fields=["moadian_status", "id"], name="invoice_moadian_queue")]

    def __str__(self) -> str:
        # As staff and customers see it (breadcrumbs, messages); display_number stays Latin
        # for the tax system and the audit rows.
        return to_persian_digits(self.display_number)

    @property
    def display_number(self) -> str:
        """Year/serial, e.g. 1405/000123; each kind has its own series, so the kind's name
        is always shown beside it. Digits only, so it reads the same in RTL text."""
        return f"{self.fiscal_year}/{self.number:06d}"

    display_number.fget.short_description = "شماره"  # the admin's column title

    @property
    def buyer(self) -> dict:
        return json.loads(self.buyer_json or "{}")

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json or "{}")


class InvoiceLine(IssuedDocument):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name="فاکتور"
    )
    position = models.PositiveSmallIntegerField("ردیف")
    # The order line reversed or sold; empty for the shipping line.
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ردیف سفارش",
    )
    product_code = models.CharField("کد کالا", max_length=64)
    description = models.CharField("شرح", max_length=300)
    quantity = models.PositiveIntegerField("تعداد")
    unit = models.CharField("واحد", max_length=20, default="عدد")
    unit_price = models.PositiveBigIntegerField("مبلغ واحد (ریال)")
    discount = models.PositiveBigIntegerField("تخفیف (ریال)", default=0)
    net_amount = models.PositiveBigIntegerField("مبلغ پس از تخفیف (ریال)")
    vat_rate_basis_points = models.PositiveIntegerField("نرخ مالیات (در ده‌هزار)")
    vat_amount = models.PositiveBigIntegerField("مالیات (ریال)")
    line_total = models.PositiveBigIntegerField("جمع (ریال)")

    objects = IssuedQuerySet.as_manager()

    class Meta:
        ordering = ("invoice", "position")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(
                condition=Q(
                    net_amount=models.F("unit_price") * models.F("quantity") - models.F("discount")
                ),
                name="invoice_line_net_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(line_total=models.F("net_amount") + models.F("vat_amount")),
                name="invoice_line_total_adds_up",
            ),
        ]
        verbose_name = "ردیف فاکتور"
        verbose_name_plural = "ردیف‌های فاکتور"

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position}"

    @property
    def vat_percent(self) -> str:
        return f"{self.vat_rate_basis_points / 100:g}"


def seller_from_settings() -> dict:
    return dict(settings.INVOICE_SELLER)


class OfficialBuyer(models.Model):
    """A legal entity's details for an official invoice (type 1), given at checkout.

    Kept on the order it was given for, like the receiver: the order's invoice reads it.
    Every field is encrypted: a company's name and identifiers are public records, but
    beside an order they say who bought what (and a sole trader's are a person's). Nothing
    looks a buyer up by them, so there is no blind index.
    """

    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="official_buyer",
        verbose_name="سفارش",
    )
    company_name = EncryptedCharField("نام شرکت", max_length=200)
    economic_number = EncryptedCharField("شمارهٔ اقتصادی", max_length=14)
    national_id = EncryptedCharField("شناسهٔ ملی", max_length=11)
    postal_code = EncryptedCharField("کد پستی", max_length=10)
    address = EncryptedTextField("نشانی")
    phone = EncryptedTextField("تلفن")
    created_at = models.DateTimeField("زمان ثبت", auto_now_add=True)

    class Meta:
        verbose_name = "خریدار حقوقی"
        verbose_name_plural = "خریداران حقوقی"

    def __str__(self) -> str:
        return self.company_name
