"""gunicorn's access and error logs, scrubbed like the rest of our logs.

gunicorn writes its own access log, outside Django's logging, and by default it prints the
client IP, the whole request line with its query string, the referrer and the user agent.
In `make run` that put password-reset tokens (path segments), payment `Authority` values
(query strings of the bank's callback) and customers' IPs on the console.

`ScrubbedGunicornLogger` (set as `logger_class` in config/gunicorn_local.py) fixes it in two
layers:
- the atoms a format may use are cut down to harmless ones: method, scrubbed path, status,
  sizes, durations. No IP, no query string, no user agent, no header or environ atoms;
  the referrer is reduced to its scrubbed path. Whatever `access_log_format` asks for, the
  rest print as "-".
- both gunicorn loggers get our `ScrubFilter` (emails, phones, long numbers) plus a filter
  for what only request lines carry (IPs, query strings, token segments), and print JSON
  through our `JsonFormatter`, like every other log line.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from metavast.core.logging import _TOKEN_SEGMENT, JsonFormatter, ScrubFilter, scrub_text

# Routes whose every segment after the prefix is a secret (a token, a user id in base64, a
# bank authority), however short; the literal steps named beside them are kept.
SECRET_ROUTES: tuple[tuple[str, frozenset[str]], ...] = (
    ("/accounts/password/reset/", frozenset({"code"})),
    ("/accounts/email/confirm/", frozenset()),
    ("/payments/sandbox/", frozenset()),
)
# The atoms an access-log format may print; everything else becomes "-".
_SAFE_ATOMS = ("t", "s", "m", "H", "b", "B", "T", "D", "M", "L", "p")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){0,7}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:?){0,7})(?![\w:])"
)
_URL = re.compile(r"(?P<origin>[a-z][a-z0-9+.-]*://[^/\s\"'<>]*)?(?P<path>/[^\s\"'<>]*)")


def scrub_path(path: str) -> str:
    """A URL path fit for a log: no query string, no token, no personal data."""
    path = (path or "").split("?", 1)[0].split("#", 1)[0]
    for prefix, literal_steps in SECRET_ROUTES:
        if path.startswith(prefix) and path != prefix:
            rest = path[len(prefix) :].strip("/")
            if rest not in literal_steps:
                path = prefix + "[token]/"
            break
    return scrub_text(_TOKEN_SEGMENT.sub("/[token]", path))


def scrub_request_text(text: str) -> str:
    """Free text that may quote a request (gunicorn's errors): IPs, then every URL or path
    in it as `scrub_path` would have it."""
    text = _IPV4.sub("[ip]", text)
    text = _IPV6.sub("[ip]", text)
    return _URL.sub(lambda m: (m.group("origin") or "") + scrub_path(m.group("path")), text)


def _referrer(value: str) -> str:
    if not value or value == "-":
        return "-"
    return scrub_path(urlsplit(value).path) or "-"


class RequestTextFilter(logging.Filter):
    """After ScrubFilter has rendered the message: what only request lines carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub_request_text(record.getMessage())
        record.args = None
        return True


class ScrubbedGunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        everything = super().atoms(resp, req, environ, request_time)
        atoms = {name: everything[name] for name in _SAFE_ATOMS if name in everything}
        # gunicorn's own error responses come with a bare environ: no PATH_INFO, only RAW_URI.
        path = scrub_path(environ.get("PATH_INFO") or environ.get("RAW_URI") or "-")
        atoms.update(
            U=path,
            r=f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}",
            f=_referrer(environ.get("HTTP_REFERER", "-")),
            h="-",
            l="-",
            u="-",
            q="",
            a="-",
        )
        return atoms

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(ScrubFilter())
                handler.addFilter(RequestTextFilter())
                handler.setFormatter(JsonFormatter())
