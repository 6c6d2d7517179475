"""Error codes of the legal-disclosure register. Services raise these; the admin shows them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class DisclosureNotFound(NotFound):
    code = "disclosure_not_found"
    message = _("درخواست افشا پیدا نشد.")


class DisclosureTransitionNotAllowed(Conflict):
    code = "disclosure_transition_not_allowed"
    message = _("این تغییر وضعیت برای این درخواست افشا ممکن نیست.")


class DisclosurePermissionDenied(DomainError):
    code = "disclosure_permission_denied"
    status = 403
    message = _("شما اجازهٔ این کار را در دفتر افشای قانونی ندارید.")


class FourEyesRequired(DomainError):
    code = "disclosure_four_eyes"
    status = 403
    message = _(
        "ثبت‌کنندهٔ درخواست نمی‌تواند آن را تأیید یا رد کند؛ افسر حقوقی دیگری باید تصمیم بگیرد."
    )


class ScopeInvalid(DomainError):
    code = "disclosure_scope_invalid"
    message = _("دامنهٔ درخواست درست نیست.")


class CustomerNotFound(ScopeInvalid):
    code = "disclosure_customer_not_found"
    message = _("مشتری با این شناسه پیدا نشد.")


class PackageAlreadyDownloaded(Conflict):
    code = "disclosure_package_already_downloaded"
    message = _("این بسته پیش‌تر یک بار دریافت شده و از بین رفته است؛ دریافت دوباره ممکن نیست.")


class PackageExpired(Conflict):
    code = "disclosure_package_expired"
    message = _("مهلت دریافت این بسته گذشته و بسته از بین رفته است.")


class PackageNotReady(Conflict):
    code = "disclosure_package_not_ready"
    message = _("بستهٔ این درخواست هنوز آماده نیست.")


class PassphraseTooShort(DomainError):
    code = "disclosure_passphrase_too_short"
    message = _("رمز بسته باید دست‌کم ۲۰ نویسه باشد.")


class HoldReasonRequired(DomainError):
    code = "legal_hold_reason_required"
    message = _("دلیل نگهداشت یا برداشتن آن را دست‌کم در ده نویسه بنویسید.")


class HoldNotActive(Conflict):
    code = "legal_hold_not_active"
    message = _("این نگهداشت قانونی فعال نیست.")
