"""Error codes of orders. Services raise these; views and the API show the message.

The payments app relies on `OrderNotPayable` (and its subclass `OrderAlreadyPaid`): a
verified payment for an order that can no longer take it is flagged for refund.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


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


# --- placing an order (raised by order_place; checkout's errors.py re-exports the first
# three, which placing shares with the checkout steps) ---------------------------------------


class CustomerIncomplete(DomainError):
    """P1: a name, a confirmed mobile and an email are needed to buy."""

    code = "customer_incomplete"
    status = 403
    message = _("برای خرید، نام، تلفن همراه تأییدشده و ایمیل تأییدشده لازم است.")


class AddressNotFound(NotFound):
    code = "address_not_found"
    message = _("نشانی پیدا نشد.")


class CodNotAllowed(Conflict):
    code = "cod_not_allowed"
    message = _("پرداخت در محل با این روش ارسال ممکن نیست.")


class UnpaidOrdersLimit(Conflict):
    """Stock hoarding: too many orders holding stock without payment (see placement)."""

    code = "unpaid_orders_limit"
    message = _("چند سفارش پرداخت‌نشده دارید. پیش از ثبت سفارش تازه، آن‌ها را پرداخت یا لغو کنید.")


class UnpaidUnitsLimit(Conflict):
    """Stock hoarding: too many units held by the customer's unpaid orders (see placement)."""

    code = "unpaid_units_limit"
    message = _("تعداد کالاهای سفارش‌های پرداخت‌نشدهٔ شما از حد مجاز بیشتر می‌شود.")


class PlacingTooFast(DomainError):
    code = "order_rate_limited"
    status = 429
    message = _("در مدت کوتاهی سفارش‌های زیادی ثبت کرده‌اید؛ چند دقیقهٔ دیگر دوباره تلاش کنید.")


class CancellationRequestNotPending(Conflict):
    code = "cancellation_request_not_pending"
    message = _("این درخواست لغو پیش‌تر بررسی شده است.")


class RefusalReasonRequired(DomainError):
    status = 422
    code = "cancellation_refusal_reason_required"
    message = _("دلیل رد درخواست را برای مشتری بنویسید (حداکثر ۳۰۰ نویسه).")
