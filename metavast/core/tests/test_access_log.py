"""`make run`'s gunicorn access log: no reset tokens, no payment Authority, no client IP."""

import datetime as dt
import json
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from config import gunicorn_local
from metavast.core.access_log import ScrubbedGunicornLogger, scrub_path, scrub_request_text

TOKEN = "c4x9z1-3a2b9f0e1d2c3b4a59687f6e5d4c3b2a"
UID = "MTIz"
AUTHORITY = "A000000000000000000000000000217885159"
IP = "5.160.12.34"
IPV6 = "2a01:5ec0:1000::12"


@pytest.fixture
def access_logger(tmp_path):
    """The logger exactly as config/gunicorn_local.py sets it up, writing to files."""
    cfg = Config()
    cfg.set("logger_class", gunicorn_local.logger_class)
    cfg.set("access_log_format", gunicorn_local.access_log_format)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("loglevel", gunicorn_local.loglevel)
    logger = cfg.logger_class(cfg)
    assert isinstance(logger, ScrubbedGunicornLogger)
    yield logger, tmp_path
    for log in (logger.error_log, logger.access_log):
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)


def _request(logger, raw_uri: str, *, status="200 OK", remote=IP, referer=None, path=True):
    path_info, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote,
        "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/124",
        "HTTP_X_FORWARDED_FOR": IP,
    }
    if path:  # gunicorn's own error responses come without PATH_INFO
        environ["PATH_INFO"] = path_info
    if referer:
        environ["HTTP_REFERER"] = referer
    headers = [("HOST", "shop.example.ir"), ("X-FORWARDED-FOR", IP), ("REFERER", referer or "")]
    response = SimpleNamespace(status=status, sent=512, headers=[("Location", raw_uri)])
    logger.access(response, SimpleNamespace(headers=headers), environ, dt.timedelta(seconds=0.01))


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_access_log_drops_reset_tokens_authority_values_and_client_ips(access_logger):
    logger, folder = access_logger
    _request(logger, f"/accounts/password/reset/{UID}/{TOKEN}/")
    _request(logger, f"/accounts/password/reset/{UID}/set-password/", remote=IPV6)
    _request(
        logger,
        f"/payments/callback/sandbox/?order=MV1001&Authority={AUTHORITY}&Status=OK",
        referer=f"https://www.zarinpal.com/pg/StartPay/{AUTHORITY}?x={IP}",
    )
    _request(logger, f"/payments/sandbox/{AUTHORITY}/", status="302 Found", path=False)
    _request(logger, f"/accounts/email/confirm/{TOKEN}:1abc:xyz/?utm={IP}")

    text = (folder / "access.log").read_text()
    for secret in (TOKEN, UID, AUTHORITY, "Authority", IP, IPV6, "Mozilla", "MV1001", "xyz"):
        assert secret not in text, secret
    assert [line["message"] for line in _lines(folder / "access.log")] == [
        "GET /accounts/password/reset/[token]/ 200 512 10ms",
        "GET /accounts/password/reset/[token]/ 200 512 10ms",
        "GET /payments/callback/sandbox/ 200 512 10ms",
        "GET /payments/sandbox/[token]/ 302 512 10ms",
        "GET /accounts/email/confirm/[token]/ 200 512 10ms",
    ]
    assert {line["logger"] for line in _lines(folder / "access.log")} == {"gunicorn.access"}


def test_a_format_asking_for_ip_query_headers_or_user_agent_still_gets_nothing(access_logger):
    logger, folder = access_logger
    logger.cfg.set(
        "access_log_format",
        '%(h)s %(r)s %(q)s "%(f)s" "%(a)s" %({x-forwarded-for}i)s %({remote_addr}e)s %(U)s',
    )
    _request(
        logger,
        f"/payments/callback/sandbox/?Authority={AUTHORITY}&Status=OK",
        referer=f"https://shop.example.ir/accounts/password/reset/{UID}/{TOKEN}/",
    )
    (line,) = _lines(folder / "access.log")
    assert line["message"] == (
        '- GET /payments/callback/sandbox/ HTTP/1.1  "/accounts/password/reset/[token]/" "-" '
        "- - /payments/callback/sandbox/"
    )


def test_gunicorn_error_lines_are_scrubbed_too(access_logger):
    logger, folder = access_logger
    logger.error(f"Error handling request GET /accounts/password/reset/{UID}/{TOKEN}/")
    logger.warning(f"Invalid request from ip={IP}: /payments/callback/z/?Authority={AUTHORITY}")
    logger.error("owner 09123456789 at a@b.ir")
    messages = [line["message"] for line in _lines(folder / "error.log")]
    assert messages == [
        "Error handling request GET /accounts/password/reset/[token]/",
        "Invalid request from ip=[ip]: /payments/callback/z/",
        "owner [phone] at [email]",
    ]


@pytest.mark.parametrize(
    ("path", "scrubbed"),
    [
        ("/accounts/password/reset/", "/accounts/password/reset/"),
        ("/accounts/password/reset/code/", "/accounts/password/reset/code/"),
        (f"/accounts/password/reset/{UID}/{TOKEN}/", "/accounts/password/reset/[token]/"),
        ("/payments/callback/zarinpal/?Authority=A1&Status=OK", "/payments/callback/zarinpal/"),
        ("/products/phone/", "/products/phone/"),
        (f"/api/v1/x/{TOKEN}/", "/api/v1/x/[token]/"),
    ],
)
def test_scrub_path(path, scrubbed):
    assert scrub_path(path) == scrubbed


def test_scrub_request_text_keeps_times_and_drops_addresses():
    assert scrub_request_text(f"at 12:00:00 from {IP} and {IPV6} and ::1") == (
        "at 12:00:00 from [ip] and [ip] and [ip]"
    )


def test_the_json_logs_filter_applies_to_gunicorn_handlers(access_logger):
    logger, _folder = access_logger
    for log in (logger.access_log, logger.error_log):
        (handler,) = [h for h in log.handlers if getattr(h, "_gunicorn", False)]
        assert {type(f).__name__ for f in handler.filters} == {"ScrubFilter", "RequestTextFilter"}
        assert type(handler.formatter).__name__ == "JsonFormatter"
    assert logger.error_log.level == logging.WARNING
