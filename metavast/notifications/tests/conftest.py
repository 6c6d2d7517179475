"""Real protocols for the notification tests: an SMTP server and a fake Kavenegar API.

Both listen on 127.0.0.1 on a free port for the length of one test.
"""

from __future__ import annotations

import collections
import email
import email.policy
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from metavast.accounts.models import User
from metavast.notifications.backends import locmem

MOBILE = "+989123456789"
OTHER_MOBILE = "+989351112233"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def make_user(db):
    counter = itertools.count(1)

    def make(
        *,
        email: str | None = "customer@example.com",
        mobile: str = MOBILE,
        email_confirmed: bool = True,
        mobile_confirmed: bool = True,
    ) -> User:
        n = next(counter)
        now = timezone.now()
        if email and n > 1:
            local, _, domain = email.partition("@")
            email = f"{local}{n}@{domain}"
        return User.objects.create_user(
            email=email,
            mobile=mobile if n == 1 else f"+98912000{n:04d}",
            email_confirmed_at=now if email_confirmed and email else None,
            mobile_confirmed_at=now if mobile_confirmed and mobile else None,
        )

    return make


# --- SMTP ------------------------------------------------------------------------------


class RecordingHandler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        # e.g. "550 5.1.1 no such user" or "450 4.2.1 try later"
        self.rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    handler.controller = controller
    yield handler
    handler.controller.stop()


# --- Kavenegar -------------------------------------------------------------------------


@dataclass
class FakeKavenegar:
    """Records every request; `script` holds the behaviour of the next requests.

    Behaviours: "ok"; "http500" (an HTML error page, nothing sent); "malformed" (200 with a
    body that is not JSON); "status:NNN" (Kavenegar's own error NNN); "slow" (sends, then
    answers after the client's timeout: an ambiguous failure); "accept_then_500" (sends,
    then answers 500: an ambiguous failure). Like Kavenegar, a repeated `localid` gets the
    earlier message back and is not sent again.
    """

    api_key: str = "test-api-key"
    slow_seconds: float = 1.5
    requests: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    script: collections.deque = field(default_factory=collections.deque)
    by_local_id: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    next_message_id: itertools.count = field(default_factory=lambda: itertools.count(8792343))

    def fail_next(self, *behaviours: str) -> None:
        self.script.extend(behaviours)

    def handle(self, path: str, params: dict[str, str]) -> tuple[int, bytes, float]:
        parts = path.strip("/").split("/")
        with self.lock:
            behaviour = self.script.popleft() if self.script else "ok"
            self.requests.append({"path": path, "params": params, "behaviour": behaviour})
            if len(parts) < 4 or parts[0] != "v1" or parts[1] != self.api_key:
                return 200, _kavenegar_json(403, []), 0
            method = "/".join(parts[2:]).removesuffix(".json")
            if behaviour == "http500":
                return 500, b"<html><body>Internal Server Error</body></html>", 0
            if behaviour == "malformed":
                return 200, b'{"return": {"status": 200', 0
            if behaviour.startswith("status:"):
                code = int(behaviour.split(":", 1)[1])
                return code, _kavenegar_json(code, None), 0
            entry = self._accept(method, params)
            if behaviour == "accept_then_500":
                return 500, b"upstream error", 0
            delay = self.slow_seconds if behaviour == "slow" else 0
            return 200, _kavenegar_json(200, [entry]), delay

    def _accept(self, method: str, params: dict[str, str]) -> dict:
        local_id = params.get("localid")
        if local_id and local_id in self.by_local_id:
            return self.by_local_id[local_id]
        entry = {
            "messageid": next(self.next_message_id),
            "message": params.get("message", params.get("token", "")),
            "status": 1,
            "statustext": "در صف ارسال",
            "sender": params.get("sender", ""),
            "receptor": params.get("receptor", ""),
            "date": int(time.time()),
            "cost": 120,
        }
        self.deliveries.append({"method": method, **params, "messageid": entry["messageid"]})
        if local_id:
            self.by_local_id[local_id] = entry
        return entry

    def local_ids(self) -> list[str]:
        return [r["params"].get("localid") for r in self.requests]


def _kavenegar_json(status: int, entries) -> bytes:
    body = {"return": {"status": status, "message": "تایید شد" if status == 200 else "خطا"}}
    body["entries"] = entries
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _handler_for(fake: FakeKavenegar):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            params = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            status, body, delay = fake.handle(self.path, params)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args):
            pass

    return Handler


class KavenegarServer:
    def __init__(self, fake: FakeKavenegar, port: int = 0):
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(fake))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        fake.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def kavenegar(settings):
    fake = FakeKavenegar()
    server = KavenegarServer(fake)
    settings.SMS_BACKEND = "metavast.notifications.backends.kavenegar.KavenegarBackend"
    settings.KAVENEGAR_BASE_URL = fake.url
    settings.KAVENEGAR_API_KEY = fake.api_key
    settings.KAVENEGAR_SENDER = "10004346"
    settings.KAVENEGAR_TIMEOUT = 0.5
    fake.server = server
    yield fake
    server.stop()
