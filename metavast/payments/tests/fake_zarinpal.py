"""A fake Zarinpal v4 server on 127.0.0.1, speaking real HTTP, for tests and the benchmark.

It keeps its own books like the real one: `request.json` issues an authority, a GET on
`/pg/StartPay/<authority>` plays the customer paying (it marks the payment taken and
redirects to the callback with Status=OK, or NOK with ?cancel=1), `verify.json` answers 100
once, then 101, or an error in Zarinpal's shape (-50 amount differs, -51 not paid, -54 unknown
authority, -9 validation), and `unverified.json` lists taken-but-unverified payments.

Knobs for tests: `delay` (seconds before answering: a timeout for the client),
`fail_with` (an HTTP status to answer instead, e.g. 502, or "garbage" for a body that is not
JSON), `charged` (pretend the bank charged another amount for an authority). Every request
is recorded in `requests` as (method, path, json body).

Run as a process (the benchmark): python -m metavast.payments.tests.fake_zarinpal PORT
"""

from __future__ import annotations

import itertools
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

MERCHANT_ID = "11111111-2222-3333-4444-555555555555"


class FakeZarinpal:
    def __init__(self, *, port: int = 0, record: bool = True):
        self.lock = threading.Lock()
        self.payments: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.record = record
        self.delay = 0.0
        self.fail_with: int | str | None = None
        # Authorities unique across runs too (the benchmark reuses its database).
        self._ids = itertools.count(secrets.randbelow(10**20) * 10**12)
        self._refs = itertools.count(10_000_001)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._start_pay(self)

            def do_POST(self):
                fake._api(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ------------------------------------------------------------------------

    def start(self) -> FakeZarinpal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pay(self, authority: str, *, charged: int | None = None) -> None:
        """The customer paid at the bank (optionally a different amount than asked)."""
        with self.lock:
            entry = self.payments[authority]
            entry["paid"] = True
            if charged is not None:
                entry["charged"] = charged

    def calls(self, method: str) -> list[dict]:
        return [body for m, path, body in self.requests if path.endswith(f"/{method}.json")]

    # --- HTTP ---------------------------------------------------------------------------

    def _send(self, handler, status: int, payload, *, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, code: int, message: str, status: int = 400) -> None:
        self._send(
            handler,
            status,
            {"data": [], "errors": {"code": code, "message": message, "validations": []}},
        )

    def _api(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = urlparse(handler.path).path
        if self.record:
            with self.lock:
                self.requests.append(("POST", path, body))
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with == "garbage":
            return self._send(handler, 200, None, raw=b"<html>busy</html>")
        if isinstance(self.fail_with, int):
            return self._send(handler, self.fail_with, None, raw=b"upstream error")
        if body.get("merchant_id") != MERCHANT_ID:
            return self._error(handler, -10, "Terminal is not valid, please check merchant_id.")
        method = path.rsplit("/", 1)[-1]
        if method == "request.json":
            return self._request(handler, body)
        if method == "verify.json":
            return self._verify(handler, body)
        if method == "unverified.json":
            with self.lock:
                items = [
                    {"authority": a, "amount": p["amount"], "callback_url": p["callback_url"]}
                    for a, p in self.payments.items()
                    if p["paid"] and not p["verified"]
                ]
            return self._send(
                handler,
                200,
                {"data": {"code": 100, "message": "Success", "authorities": items}, "errors": []},
            )
        return self._error(handler, -9, "The input params invalid, validation error.", 404)

    def _request(self, handler, body) -> None:
        amount, callback = body.get("amount"), body.get("callback_url")
        if not isinstance(amount, int) or amount < 1000 or not callback:
            return self._error(handler, -9, "The input params invalid, validation error.")
        authority = f"A{next(self._ids):035d}"
        with self.lock:
            self.payments[authority] = {
                "amount": amount,
                "charged": amount,
                "callback_url": callback,
                "paid": False,
                "verified": False,
                "ref_id": None,
                "metadata": body.get("metadata") or {},
            }
        self._send(
            handler,
            200,
            {
                "data": {
                    "code": 100,
                    "message": "Success",
                    "authority": authority,
                    "fee_type": "Merchant",
                    "fee": 0,
                },
                "errors": [],
            },
        )

    def _verify(self, handler, body) -> None:
        authority, amount = body.get("authority"), body.get("amount")
        with self.lock:
            entry = self.payments.get(authority)
            if entry is None:
                error = (-54, "Invalid authority.")
            elif not entry["paid"]:
                error = (-51, "Session is not valid, session is not active paid try.")
            elif amount != entry["charged"]:
                error = (-50, "Session is not valid, amounts values is not the same.")
            else:
                error = None
                code = 101 if entry["verified"] else 100
                entry["verified"] = True
                entry["ref_id"] = entry["ref_id"] or next(self._refs)
                ref_id = entry["ref_id"]
        if error:
            return self._error(handler, *error)
        self._send(
            handler,
            200,
            {
                "data": {
                    "code": code,
                    "message": "Verified" if code == 100 else "Paid before",
                    "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A87822CA179BC9528767EA7B5489B69",
                    "card_pan": "502229******5995",
                    "ref_id": ref_id,
                    "fee_type": "Merchant",
                    "fee": 0,
                },
                "errors": [],
            },
        )

    def _start_pay(self, handler) -> None:
        """The customer at the bank: pays (or cancels with ?cancel=1) and is sent back."""
        parsed = urlparse(handler.path)
        authority = parsed.path.rstrip("/").rsplit("/", 1)[-1]
        cancel = parse_qs(parsed.query).get("cancel") == ["1"]
        with self.lock:
            entry = self.payments.get(authority)
            if entry is not None and not cancel:
                entry["paid"] = True
        if entry is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        joiner = "&" if "?" in entry["callback_url"] else "?"
        query = urlencode({"Authority": authority, "Status": "NOK" if cancel else "OK"})
        handler.send_response(302)
        handler.send_header("Location", f"{entry['callback_url']}{joiner}{query}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()


if __name__ == "__main__":
    server = FakeZarinpal(port=int(sys.argv[1]), record=False).start()
    print(server.url, flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()
