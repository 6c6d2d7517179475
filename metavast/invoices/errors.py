from metavast.core.errors import Conflict, DomainError, NotFound


class InvoiceImmutable(Conflict):
    code = "invoice_immutable"
    message = "فاکتور صادرشده تغییرپذیر نیست؛ برای اصلاح، سند برگشت صادر کنید."


class OrderNotInvoiceable(Conflict):
    code = "order_not_invoiceable"
    message = "برای این سفارش هنوز نمی‌توان فاکتور صادر کرد."


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    message = "فاکتور پیدا نشد."


class CreditNoteInvalid(DomainError):
    code = "credit_note_invalid"
    message = "ردیف‌ها یا تعدادهای سند برگشت معتبر نیستند."


class SellerNotConfigured(DomainError):
    code = "seller_not_configured"
    message = "اطلاعات فروشنده برای صدور فاکتور کامل نیست."


class InvoicePdfDamaged(DomainError):
    """The stored file no longer matches the digest recorded at issue, or no key opens it."""

    code = "invoice_pdf_damaged"
    status = 500
    message = "فایل فاکتور قابل خواندن نیست؛ با پشتیبانی تماس بگیرید."


class InvoicePdfNotReady(DomainError):
    """The PDF is rendered in the background after issue; this one is not stored yet."""

    code = "invoice_pdf_not_ready"
    status = 503
    message = "فایل فاکتور در حال آماده‌سازی است؛ چند لحظهٔ دیگر دوباره تلاش کنید."
