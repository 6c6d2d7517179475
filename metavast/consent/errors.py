"""Error codes of the consent app. Views and the API turn them into Persian messages."""

from __future__ import annotations

from metavast.core.errors import DomainError


class ConsentError(DomainError):
    code = "consent.error"
    message = "تغییر رضایت ممکن نیست."


class ContactNotConfirmed(ConsentError):
    """Consent to promotional mail or SMS is only for a contact its owner has confirmed."""

    code = "consent.contact_not_confirmed"
    message = (
        "برای دریافت پیام‌های تبلیغاتی ابتدا باید این نشانی تماس را تأیید کنید؛ "
        "فقط به نشانی‌های تأییدشده پیام تبلیغاتی می‌فرستیم."
    )


class InvalidUnsubscribeToken(ConsentError):
    code = "consent.invalid_unsubscribe_token"
    status = 404
    message = "این پیوند لغو اشتراک معتبر نیست."


class TextVersionOutdated(ConsentError):
    code = "consent.text_version_outdated"
    status = 409
    message = "متن رضایت تغییر کرده است؛ متن تازه را نشان دهید و دوباره بفرستید."
