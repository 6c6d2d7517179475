"""Structured (JSON) logs that carry no personal data and no secrets.

The filter redacts mobile numbers, emails, Iranian 10-digit codes and anything under a
secret-looking key before a record is formatted; the formatter prints one JSON object a
line. We do this here rather than trusting every call site to remember.
"""

from __future__ import annotations

import json
import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?:\+|00)?98\d{10}|\b0?9\d{9}\b|[۰-۹٠-٩]{10,}")
_LONG_DIGITS = re.compile(r"\b\d{10,16}\b")
_SECRET_KEYS = re.compile(r"pass|secret|token|otp|code|key|authorization|cookie", re.I)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def scrub_text(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _LONG_DIGITS.sub("[number]", text)


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
            elif isinstance(getattr(record, key), str):
                setattr(record, key, scrub_text(getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
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
