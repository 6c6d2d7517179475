import json
import logging

from metavast.core.logging import JsonFormatter, ScrubFilter


def _format(msg, *args, **extra) -> dict:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    ScrubFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_personal_data_is_redacted_from_messages():
    out = _format("user %s with %s and code %s", "ali@example.com", "+989121234567", "0499370899")
    assert "ali@example.com" not in out["message"]
    assert "9121234567" not in out["message"]
    assert "0499370899" not in out["message"]


def test_secret_looking_extras_are_redacted():
    out = _format("login", password="hunter2", api_token="abc", order_id=5)
    assert out["password"] == "[redacted]" and out["api_token"] == "[redacted]"
    assert out["order_id"] == 5


def test_persian_digit_phone_numbers_are_redacted():
    assert "۹۱۲" not in _format("شماره ۰۹۱۲۱۲۳۴۵۶۷")["message"]
