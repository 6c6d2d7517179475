"""Error codes of orders. Services raise these; views and the API show the message.

The payments app relies on `OrderNotPayable` (and its subclass `OrderAlreadyPaid`): a
verified payment for an order that can no longer take it is flagged for refund.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = _("سفارش پیدا نشد.")


class TransitionNotAllowed(Conflict):
    code = "order_transition_not_allowed"
    message = _("این تغییر وضعیت برای این سفارش ممکن نیست.")


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    message = _("این سفارش دیگر قابل پرداخت نیست (مهلت آن گذشته یا لغو شده است).")


class OrderAlreadyPaid(OrderNotPayable):
    code = "order_already_paid"
    message = _("این سفارش پیش‌تر با پرداخت دیگری پرداخت شده است.")


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"
    message = _("این سفارش دیگر قابل لغو نیست.")


class CartEmpty(Conflict):
    code = "cart_empty"
    message = _("سبد خرید شما خالی است.")


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = _("موجودی یکی از کالاهای سبد کافی نیست.")


class TotalChanged(Conflict):
    code = "order_total_changed"
    message = _("مبلغ سفارش از زمان بازبینی تغییر کرده است؛ لطفاً دوباره بازبینی کنید.")


class InfoRequestNotOpen(Conflict):
    code = "info_request_not_open"
    message = _("درخواست اطلاعاتِ بازی برای این سفارش نیست.")


class TrackingCodeRequired(Conflict):
    code = "tracking_code_required"
    message = _("کد رهگیری مرسوله را وارد کنید.")


class RefundNotDue(Conflict):
    code = "refund_not_due"
    message = _("بازپرداختی برای این سفارش ثبت نمی‌شود.")
