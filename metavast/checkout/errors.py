"""Error codes of checkout. Services raise these; views and the API show the message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError

# Placing the order (orders' `order_place`) raises these; the checkout steps raise them too.
from metavast.orders.errors import AddressNotFound, CodNotAllowed, CustomerIncomplete

__all__ = [
    "AddressNotFound",
    "CheckoutIncomplete",
    "CheckoutStale",
    "CodNotAllowed",
    "CustomerIncomplete",
    "DeliveryWindowFull",
    "DeliveryWindowRequired",
    "DeliveryWindowUnavailable",
    "ShippingUnavailable",
    "VatRateMissing",
]


class ShippingUnavailable(Conflict):
    code = "shipping_unavailable"
    message = _("این روش ارسال برای این نشانی یا این وزن در دسترس نیست.")


class VatRateMissing(DomainError):
    code = "vat_rate_missing"
    status = 503
    message = _("نرخ مالیات بر ارزش افزوده تعریف نشده است.")


class CheckoutStale(Conflict):
    code = "checkout_stale"
    message = _("سبد یا انتخاب‌های شما در این فاصله تغییر کرده است؛ لطفاً دوباره بازبینی کنید.")


class CheckoutIncomplete(Conflict):
    code = "checkout_incomplete"
    message = _("نشانی، گیرنده و روش ارسال را کامل کنید.")


class DeliveryWindowRequired(Conflict):
    code = "delivery_window_required"
    message = _("برای ارسال با پیک، روز و بازهٔ زمانی تحویل را انتخاب کنید.")


class DeliveryWindowUnavailable(Conflict):
    code = "delivery_window_unavailable"
    message = _("این بازهٔ تحویل دیگر در دسترس نیست؛ لطفاً بازهٔ دیگری انتخاب کنید.")


class DeliveryWindowFull(Conflict):
    code = "delivery_window_full"
    message = _(
        "ظرفیت بازهٔ تحویلی که انتخاب کرده بودید همین حالا پر شد؛ لطفاً بازهٔ دیگری انتخاب کنید."
    )
