"""Error codes of data exports and account erasure. Services raise these; views show them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class ExportNotFound(NotFound):
    code = "privacy_export_not_found"
    message = _("این پیوند دریافت معتبر نیست.")


class ExportAlreadyDownloaded(Conflict):
    code = "privacy_export_downloaded"
    message = _(
        "این بسته یک بار دریافت شده و دیگر در دسترس نیست. در صورت نیاز بستهٔ تازه‌ای بخواهید."
    )


class ExportExpired(Conflict):
    code = "privacy_export_expired"
    message = _("مهلت دریافت این بسته گذشته و پرونده از بین رفته است. بستهٔ تازه‌ای بخواهید.")


class ExportNotReady(Conflict):
    code = "privacy_export_not_ready"
    message = _("بسته هنوز آماده نشده است.")


class ExportAlreadyPending(Conflict):
    code = "privacy_export_pending"
    message = _("بستهٔ قبلی شما هنوز در جریان است؛ پیوندش را از پیام ما بردارید.")


class ExportPermissionDenied(DomainError):
    code = "privacy_export_permission_denied"
    status = 403
    message = _("شما اجازهٔ ساختن بستهٔ داده برای مشتری را ندارید.")


class ExportReasonRequired(DomainError):
    code = "privacy_export_reason_required"
    message = _("شمارهٔ نامه یا شرح درخواست کتبی مشتری را بنویسید (دست‌کم ده نویسه).")


class ErasureBlocked(Conflict):
    """Refused for now; `code` says why, the message says it in Persian."""

    code = "privacy_erasure_blocked"
    message = _("حذف حساب اکنون ممکن نیست.")


class ErasureOpenOrder(ErasureBlocked):
    code = "privacy_erasure_open_order"
    message = _(
        "تا وقتی سفارشی از شما باز است (در انتظار پرداخت، پرداخت‌شده، در انتظار اطلاعات، در حال "
        "آماده‌سازی یا ارسال‌شده) نمی‌توانیم حساب را حذف کنیم. پس از تحویل یا لغو سفارش دوباره "
        "درخواست دهید."
    )


class ErasureLegalHold(ErasureBlocked):
    code = "privacy_erasure_legal_hold"
    message = _(
        "اطلاعات این حساب به حکم قانون در نگهداری قانونی است و تا رفع آن نمی‌توانیم حساب را حذف "
        "کنیم. برای پرسش با پشتیبانی تماس بگیرید."
    )


class ErasureStaffAccount(ErasureBlocked):
    code = "privacy_erasure_staff"
    message = _("حساب کارکنان از این راه حذف نمی‌شود؛ مدیر باید دسترسی‌های شما را ببندد.")


class ErasureAlreadyRequested(Conflict):
    code = "privacy_erasure_pending"
    message = _("درخواست حذف حساب شما از پیش ثبت شده است.")


class ErasureNotPending(Conflict):
    code = "privacy_erasure_not_pending"
    message = _("درخواست حذف در جریانی برای لغو پیدا نشد.")
