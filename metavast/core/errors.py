"""The base of every domain error: a stable code, a Persian message, an HTTP status.

Services raise subclasses (each app's errors.py); only views and the API turn them into
pages or JSON, so the rules never depend on the transport.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    status = 400
    message = "درخواست قابل انجام نیست."

    def __init__(self, message: str | None = None, *, code: str | None = None, fields=None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.fields: dict[str, list[str]] = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = "پیدا نشد."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = "این کار با وضعیت فعلی ممکن نیست."


# Codes of field errors for unreadable text (metavast.core.validators).
INVISIBLE_CHARACTER = "invisible_character"  # a control, bidi or invisible character
LINE_BREAK = "line_break"  # a line break or tab in a single-line field


class RequestTooLarge(DomainError):
    """A body over REQUEST_BODY_MAX_BYTES (metavast.core.middleware), refused unread."""

    code = "request_too_large"
    status = 413
    message = "حجم درخواست بیش از اندازهٔ مجاز است."


class LengthRequired(DomainError):
    """A body without a valid Content-Length (chunked): its size cannot be checked first."""

    code = "length_required"
    status = 411
    message = "طول درخواست مشخص نیست؛ درخواست را با طول مشخص بفرستید."
