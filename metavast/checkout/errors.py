"""Error codes of checkout. Services raise these; views and the API show the message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class ShippingUnavailable(Conflict):
    code = "shipping_unavailable"
    message = _("این روش ارسال برای این نشانی یا این وزن در دسترس نیست.")


class CodNotAllowed(Conflict):
    code = "cod_not_allowed"
    message = _("پرداخت در محل با این روش ارسال ممکن نیست.")


class VatRateMissing(DomainError):
    code = "vat_rate_missing"
    status = 503
    message = _("نرخ مالیات بر ارزش افزوده تعریف نشده است.")


class CustomerIncomplete(DomainError):
    """P1: a name, a confirmed mobile and an email are needed to buy."""

    code = "customer_incomplete"
    status = 403
    message = _("برای خرید، نام، تلفن همراه تأییدشده و ایمیل تأییدشده لازم است.")


class AddressNotFound(NotFound):
    code = "address_not_found"
    message = _("نشانی پیدا نشد.")


class CheckoutStale(Conflict):
    code = "checkout_stale"
    message = _("سبد یا انتخاب‌های شما در این فاصله تغییر کرده است؛ لطفاً دوباره بازبینی کنید.")


class CheckoutIncomplete(Conflict):
    code = "checkout_incomplete"
    message = _("نشانی، گیرنده و روش ارسال را کامل کنید.")
