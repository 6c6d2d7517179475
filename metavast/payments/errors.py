"""Error codes of payments. Services raise these; views and the API show the message.

Gateway exceptions (`gateways.base.GatewayError` and friends) never leave the services:
they become a payment status and one of these codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class OrderNotFound(NotFound):
    # Not yours, not awaiting payment, expired or unknown: one answer, so nothing leaks.
    code = "order_not_found"
    message = _("سفارشی برای پرداخت پیدا نشد.")


class GatewayNotAvailable(NotFound):
    code = "gateway_not_available"
    message = _("این درگاه پرداخت در دسترس نیست.")


class PaymentStartFailed(DomainError):
    # The gateway did not give us a payment to send the customer to; nothing was charged.
    code = "payment_start_failed"
    status = 503
    message = _("اتصال به درگاه پرداخت ممکن نشد. چند لحظهٔ دیگر دوباره تلاش کنید.")


class RedirectNotAllowed(DomainError):
    # The gateway answered with a payment page on a host we do not trust.
    code = "redirect_not_allowed"
    status = 503
    message = _("اتصال به درگاه پرداخت ممکن نشد. چند لحظهٔ دیگر دوباره تلاش کنید.")


class CallbackRejected(DomainError):
    # Unknown authority, another order's authority, a changed amount: nothing is paid.
    code = "callback_rejected"
    message = _("این پرداخت قابل تأیید نیست.")


class InvalidTransition(Conflict):
    code = "payment_invalid_transition"
    message = _("این تغییر وضعیت پرداخت مجاز نیست.")
