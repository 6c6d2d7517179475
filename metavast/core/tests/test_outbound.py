"""The outbound POST helper against a tiny HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from metavast.core.outbound import OutboundError, OutboundResponse, post


class TinyServer:
    """Answers each POST by its path: /ok, /status/<code>, /big, /stall..., /hang-up."""

    def __init__(self):
        self.requests: list[dict] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"path": self.path, "body": body, "headers": self.headers})
                if self.path == "/hang-up":
                    # Close without a status line: the connection breaks mid-request.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if self.path.startswith("/stall"):
                    # Never answer: the client gives up first; the test's end releases us.
                    outer.release.wait(5)
                    self.close_connection = True
                    return
                if self.path.startswith("/status/"):
                    self.answer(int(self.path.rsplit("/", 1)[1]), b'{"error": "refused"}')
                elif self.path == "/big":
                    self.answer(200, b"x" * 10_000)
                else:
                    self.answer(200, b'{"ok": true}')

            def answer(self, status: int, data: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


@pytest.fixture
def server():
    tiny = TinyServer()
    tiny.thread.start()
    yield tiny
    tiny.release.set()
    tiny.server.shutdown()
    tiny.server.server_close()


def send(url: str, *, timeout: float = 5, max_bytes: int = 1024) -> OutboundResponse:
    return post(
        url,
        body=b'{"a": 1}',
        headers={"Content-Type": "application/json", "X-Test": "yes"},
        timeout=timeout,
        max_bytes=max_bytes,
    )


def test_a_success_returns_the_status_and_body_and_sends_the_body_and_headers(server):
    response = send(f"{server.url}/ok")
    assert response == OutboundResponse(200, b'{"ok": true}')
    (request,) = server.requests
    assert request["path"] == "/ok"
    assert request["body"] == b'{"a": 1}'
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Test"] == "yes"


def test_a_4xx_is_an_answer_with_its_body(server):
    assert send(f"{server.url}/status/400") == OutboundResponse(400, b'{"error": "refused"}')


def test_a_5xx_is_an_answer_too(server):
    assert send(f"{server.url}/status/503") == OutboundResponse(503, b'{"error": "refused"}')


def test_an_oversized_body_is_read_only_up_to_the_cap(server):
    response = send(f"{server.url}/big", max_bytes=100)
    assert response == OutboundResponse(200, b"x" * 100)


def test_an_error_body_is_capped_too(server):
    response = send(f"{server.url}/status/404", max_bytes=5)
    assert response == OutboundResponse(404, b'{"err')


def test_a_slow_answer_times_out(server):
    with pytest.raises(OutboundError) as caught:
        send(f"{server.url}/stall", timeout=0.2)
    assert caught.value.kind == "timeout"


def test_a_refused_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    with pytest.raises(OutboundError) as caught:
        send(f"http://127.0.0.1:{port}/ok")
    assert caught.value.kind == "unreachable"


def test_a_connection_closed_without_an_answer_is_a_connection_error(server):
    with pytest.raises(OutboundError) as caught:
        send(f"{server.url}/hang-up")
    assert caught.value.kind == "connection"


def test_the_error_does_not_carry_the_url(server):
    # Some URLs hold a secret (Kavenegar's key is in its path): the message is only the kind.
    with pytest.raises(OutboundError) as caught:
        send(f"{server.url}/stall/SECRET-KEY", timeout=0.2)
    assert str(caught.value) == "timeout"
