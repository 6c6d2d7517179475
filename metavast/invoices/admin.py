"""Finance staff: invoices and credit notes, read-only, with PDF download (audited),
a CSV export for the accountant and a full-reversal credit note action."""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from metavast.audit.services import audit_record
from metavast.core.admin_search import PersianSearchMixin
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_numeric
from metavast.core.text import to_persian_digits
from metavast.invoices import views
from metavast.invoices.models import Invoice, InvoiceKind, InvoiceLine
from metavast.invoices.services import credit_note_issue, invoice_submit

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The seller snapshot's keys (settings.INVOICE_SELLER), as the invoice page names them.
SELLER_LABELS = {
    "name": "نام",
    "economic_number": "شمارهٔ اقتصادی",
    "national_id": "شناسهٔ ملی",
    "registration_number": "شمارهٔ ثبت",
    "address": "نشانی",
    "postal_code": "کد پستی",
    "phone": "تلفن",
}

# What the Moadian client (invoices/moadian.py) stores in English, for staff in Persian; an
# answer of the tax system itself is shown as it came.
MOADIAN_ERRORS = (
    ("no Moadian backend is configured", "اتصال به سامانهٔ مودیان پیکربندی نشده است."),
    ("MOADIAN_BASE_URL is not set", "نشانی سامانهٔ مودیان (MOADIAN_BASE_URL) تنظیم نشده است."),
    ("tax system unreachable or unclear", "سامانهٔ مودیان در دسترس نبود یا پاسخ روشنی نداد."),
    ("unexpected answer from the tax system", "سامانهٔ مودیان پاسخ نامنتظره‌ای داد."),
    ("tax system answered ", "سامانهٔ مودیان با کد {} پاسخ داد."),
)


def moadian_error_text(error: str) -> str:
    for english, persian in MOADIAN_ERRORS:
        if error == english or (english.endswith(" ") and error.startswith(english)):
            return to_persian_digits(persian.format(error[len(english) :]))
    return error


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "product_code",
        "description",
        "quantity",
        "unit_price",
        "net_amount",
        "vat_amount",
        "line_total",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(PersianSearchMixin, admin.ModelAdmin):
    list_display = (
        "number_column",
        "kind",
        "issued_at",
        "order",
        "total",
        "moadian_status",
        "pdf_link",
    )
    list_filter = ("kind", "fiscal_year", "moadian_status", "buyer_is_legal")
    search_fields = ("tax_id", "order__number")
    # The number as the list and the PDF show it, «۱۴۰۵/۰۰۰۰۰۱» (Invoice.display_number).
    search_display_numbers = (r"(?P<fiscal_year>\d{4})\s*/\s*(?P<number>\d{1,9})",)
    date_hierarchy = "issued_at"
    list_select_related = ("order",)
    inlines = [InvoiceLineInline]
    actions = ["export_csv", "retry_submission", "issue_full_credit_note"]
    # The seller and the Moadian error are shown through Persian columns below.
    exclude = ("buyer_json", "payload_json", "seller", "moadian_error")
    readonly_fields = (
        "kind",
        "fiscal_year",
        "number",
        "order",
        "original",
        "issued_at",
        "tax_id",
        "moadian_type",
        "buyer_is_legal",
        "seller_column",
        "subtotal",
        "discount",
        "vat",
        "total",
        "reason",
        "moadian_status",
        "moadian_reference",
        "moadian_error_column",
        "moadian_attempts",
        "pdf_link",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page's heading shows the number in Persian digits.
        invoice = self.get_object(request, object_id)
        if invoice is not None:
            extra_context = {"subtitle": to_persian_digits(str(invoice)), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<id:pk>/pdf/",
                self.admin_site.admin_view(views.staff_invoice_pdf),
                name="invoices_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="شماره", ordering="number")
    def number_column(self, obj):
        return to_persian_digits(obj.display_number)

    @admin.display(description="فروشنده")
    def seller_column(self, obj):
        seller = obj.seller or {}
        rows = [(SELLER_LABELS.get(key, key), value) for key, value in seller.items() if value]
        return format_html_join(
            "",
            "<div>{}: <bdi>{}</bdi></div>",
            ((label, to_persian_digits(value)) for label, value in rows),
        )

    @admin.display(description="خطای مودیان")
    def moadian_error_column(self, obj):
        return moadian_error_text(obj.moadian_error) if obj.moadian_error else "-"

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        url = reverse("admin:invoices_invoice_pdf", args=[obj.pk])
        return format_html('<a href="{}">دریافت</a>', url)

    # Issued invoices are never edited here; these actions write, so they need the model's
    # change permission (finance staff), which viewing does not give.
    def has_finance_permission(self, request) -> bool:
        return request.user.has_perm("invoices.change_invoice")

    @admin.action(description="خروجی CSV برای حسابداری", permissions=("finance",))
    def export_csv(self, request, queryset):
        audit_record(
            action="invoices.exported",
            actor=request.user,
            subject_type="invoices.invoice",
            after={"count": queryset.count()},
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 Persian only with a BOM
        writer = csv.writer(response)
        writer.writerow(
            [
                "شماره",
                "نوع",
                "تاریخ",
                "سفارش",
                "شمارهٔ مالیاتی",
                "خریدار",
                "جمع قبل از تخفیف",
                "تخفیف",
                "مالیات",
                "مبلغ کل (ریال)",
                "فاکتور اصلی",
                "وضعیت مودیان",
            ]
        )
        for invoice in queryset.select_related("order", "original").order_by("issued_at", "pk"):
            # A company's name is a public record; a private buyer's name stays inside (P8).
            name = invoice.buyer.get("company_name", "") if invoice.buyer_is_legal else "حقیقی"
            writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        invoice.display_number,
                        invoice.get_kind_display(),
                        format_jalali_numeric(invoice.issued_at),
                        invoice.order.number,
                        invoice.tax_id,
                        name,
                        invoice.subtotal,
                        invoice.discount,
                        invoice.vat,
                        invoice.total,
                        invoice.original.display_number if invoice.original else "",
                        invoice.get_moadian_status_display(),
                    )
                ]
            )
        return response

    @admin.action(description="ارسال دوباره به سامانهٔ مودیان", permissions=("finance",))
    def retry_submission(self, request, queryset):
        for invoice in queryset:
            invoice_submit(invoice_id=invoice.pk)
        self.message_user(request, "ارسال دوباره انجام شد.", messages.SUCCESS)

    @admin.action(description="صدور سند برگشت کامل (لغو فاکتور)", permissions=("finance",))
    def issue_full_credit_note(self, request, queryset):
        issued = 0
        for invoice in queryset.filter(kind=InvoiceKind.INVOICE):
            try:
                credit_note_issue(
                    invoice=invoice, reason="لغو به تصمیم کارکنان", actor=request.user
                )
                issued += 1
            except DomainError as exc:
                self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
        if issued:
            self.message_user(request, f"{issued} سند برگشت صادر شد.", messages.SUCCESS)
