"""Submission to the tax system, over real HTTP to a fake tax server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from metavast.invoices.moadian import canonical
from metavast.invoices.models import Invoice, MoadianStatus
from metavast.invoices.services import (
    invoice_issue_for_order,
    invoice_submit,
    invoices_submit_pending,
)
from metavast.invoices.tests.factories import paid_order

pytestmark = pytest.mark.django_db


class FakeTaxServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.mode = "accept"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(
                    {"path": self.path, "body": body, "headers": dict(self.headers)}
                )
                if outer.mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    return
                payload = json.loads(body)
                if outer.mode == "reject":
                    status, answer = 400, {"error": "شناسهٔ کالا نامعتبر است"}
                else:
                    status = 200
                    answer = {
                        "status": "accepted",
                        "reference": "REF-" + payload["header"]["taxid"],
                    }
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tax_server(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.MOADIAN_PRIVATE_KEY_PEM = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.MOADIAN_BACKEND = "metavast.invoices.moadian.HttpMoadianBackend"
    with FakeTaxServer() as server:
        settings.MOADIAN_BASE_URL = server.url
        server.public_key = key.public_key()
        yield server


def test_accepted_invoice_records_the_reference_and_is_signed(shop, tax_server):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    result = invoice_submit(invoice_id=invoice.pk)
    assert result.moadian_status == MoadianStatus.ACCEPTED
    assert result.moadian_reference == "REF-" + invoice.tax_id
    (request,) = tax_server.requests
    assert json.loads(request["body"]) == invoice.payload
    signature = __import__("base64").b64decode(request["headers"]["X-Signature"])
    tax_server.public_key.verify(
        signature, canonical(invoice.payload), padding.PKCS1v15(), hashes.SHA256()
    )
    # Submitting again sends nothing: it is no longer pending.
    invoice_submit(invoice_id=invoice.pk)
    assert len(tax_server.requests) == 1


def test_outage_keeps_the_invoice_pending_then_it_goes_out(shop, tax_server):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    tax_server.mode = "down"
    assert invoice_submit(invoice_id=invoice.pk).moadian_status == MoadianStatus.PENDING
    assert Invoice.objects.get(pk=invoice.pk).moadian_attempts == 1
    tax_server.mode = "accept"
    assert invoices_submit_pending() == 1
    assert Invoice.objects.get(pk=invoice.pk).moadian_status == MoadianStatus.ACCEPTED


def test_refused_invoice_is_marked_rejected_with_the_reason(shop, tax_server):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    tax_server.mode = "reject"
    result = invoice_submit(invoice_id=invoice.pk)
    assert result.moadian_status == MoadianStatus.REJECTED
    assert "نامعتبر" in result.moadian_error


def test_unreachable_tax_server_times_out_into_pending(shop, settings):
    settings.MOADIAN_BACKEND = "metavast.invoices.moadian.HttpMoadianBackend"
    settings.MOADIAN_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    assert invoice_submit(invoice_id=invoice.pk).moadian_status == MoadianStatus.PENDING


def test_no_backend_configured_keeps_invoices_queued(shop):
    invoice = invoice_issue_for_order(order_id=paid_order().pk)
    assert invoice_submit(invoice_id=invoice.pk).moadian_status == MoadianStatus.PENDING
