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


def test_spaced_and_dashed_phone_numbers_are_redacted():
    for text in ("تماس ۰۹۱۲ ۳۴۵ ۶۷۸۹", "+98 912 345 6789", "0912-345-6789", "021 8877 6655"):
        message = _format("x %s", text)["message"]
        assert "345" not in message and "8877" not in message, message


def test_a_request_extra_keeps_no_query_string_or_token():
    from django.test import RequestFactory

    request = RequestFactory().get(
        "/accounts/password/reset/MQ/cz9x1k-4f0d2a9e8b7c6d5e4f3a2b1c/", {"next": "/x", "q": "Sara"}
    )
    out = _format("error", request=request)
    assert out["request"] == "GET /accounts/password/reset/MQ/[token]/"
