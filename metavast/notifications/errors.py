"""Error codes of the notifications app. Views and the API turn them into Persian messages."""

from __future__ import annotations

from metavast.core.errors import Conflict, DomainError


class NotificationError(DomainError):
    code = "notifications.error"
    message = "ارسال پیام ممکن نیست."


class UnknownChannel(NotificationError):
    code = "notifications.unknown_channel"
    message = "این روش ارسال پیام پشتیبانی نمی‌شود."


class TemplateMissing(NotificationError):
    """A caller asked for a template (or a channel of it) that does not exist: a code bug."""

    code = "notifications.template_missing"
    message = "قالب پیام پیدا نشد."


class InvalidAddress(NotificationError):
    code = "notifications.invalid_address"
    message = "نشانی گیرندهٔ پیام معتبر نیست."


class PurposeNotAllowed(NotificationError):
    """`send_to_address` was called for a purpose, channel or template outside its allow-list."""

    code = "notifications.purpose_not_allowed"
    status = 403
    message = "ارسال پیام به این نشانی برای این منظور مجاز نیست."


class MessageTooLong(NotificationError):
    code = "notifications.message_too_long"
    message = "متن پیامک بیش از اندازهٔ مجاز است."


class RetryNotAllowed(Conflict):
    code = "notifications.retry_not_allowed"
    message = "فقط پیام‌های ناموفق و منقضی‌نشده را می‌توان دوباره فرستاد."


class InvalidStatusTransition(Conflict):
    code = "notifications.invalid_transition"
    message = "تغییر وضعیت این پیام مجاز نیست."
