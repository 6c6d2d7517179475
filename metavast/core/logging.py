"""Structured (JSON) logs that carry no personal data and no secrets.

The filter redacts mobile numbers, emails, Iranian 10-digit codes and anything under a
secret-looking key before a record is formatted; the formatter prints one JSON object a
line. We do this here rather than trusting every call site to remember.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Iranian mobiles and landlines however they are spaced or dashed: +98 912 345 6789,
# 0912-345-6789, 021 8877 6655 (digits are folded to ASCII first).
_PHONE = re.compile(r"(?:(?:\+|00)98[\s-]?|\b0)\d{2,3}(?:[\s-]?\d){7,8}\b|\b9\d{9}\b")
_LONG_DIGITS = re.compile(r"\b\d{10,16}\b")
# Path segments that look like tokens (reset and confirmation links).
_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_\-:.]{16,}")
_SECRET_KEYS = re.compile(r"pass|secret|token|otp|code|key|authorization|cookie", re.I)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def scrub_text(text: str) -> str:
    text = text.translate(_TO_ASCII_DIGITS)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _LONG_DIGITS.sub("[number]", text)


_TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def _describe(value) -> str:
    """A safe one-line form of a non-text extra: a request becomes its method and path,
    without the query string and with token-like segments cut; anything else is scrubbed."""
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if isinstance(method, str) and isinstance(path, str):
        return f"{method} {_TOKEN_SEGMENT.sub('/[token]', path)}"
    return scrub_text(str(value))


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the log line
            message = str(record.msg)
        record.msg = scrub_text(message)
        record.args = None
        for key in list(vars(record)):
            if key in _STANDARD:
                continue
            if _SECRET_KEYS.search(key):
                setattr(record, key, "[redacted]")
            else:
                value = getattr(record, key)
                if isinstance(value, str):
                    setattr(record, key, scrub_text(value))
                elif not isinstance(value, (int, float, bool, type(None))):
                    setattr(record, key, _describe(value))
        return True


def utc_timestamp(created: float) -> str:
    """ISO 8601 in UTC with a Z, whatever TIME_ZONE the process runs in: logs from
    several machines (and the audit trail, stored in UTC) line up without conversion."""
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            payload["exception"] = scrub_text(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
