"""An app built on a client generated from our schema can buy and get its invoice (issue 19).

During the test, openapi-python-client (pinned in the test extras) generates a Python client
from the live server's /api/v1/openapi.json, failing on any warning: a schema it would only
partly accept (an endpoint or a response dropped) fails here. The generated package is
imported, and the guide's example (docs/examples/purchase.py, step by step) buys with it
against the live test server: sign up by SMS code, complete the profile, add an address,
fill the cart, order for another person, pay in the sandbox bank as a browser would, list
the orders, download the invoice PDF with the bearer token.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from metavast.accounts.tests.conftest import last_code, last_link
from metavast.core import background
from metavast.invoices.models import Invoice
from metavast.orders.models import Order, OrderStatus
from metavast.orders.tests.factories import make_variant, shop  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shop")]

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "purchase.py"
GENERATOR_CONFIG = ROOT / "docs" / "examples" / "openapi-python-client.yaml"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
MOBILE = "۰۹۱۲۱۲۳۴۵۶۷"  # typed with Persian digits, as a customer might
MOBILE_E164 = "+989121234567"
EMAIL = "sara@example.com"


def generate_client(base_url: str, out: Path) -> Path:
    schema = requests.get(f"{base_url}/api/v1/openapi.json", timeout=30)
    assert schema.status_code == 200
    schema_path = out / "openapi.json"
    schema_path.write_bytes(schema.content)
    package = out / "metavast_client"
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_path),
            "--config",
            str(GENERATOR_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(package),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    return package


@pytest.fixture
def generated(live_server, tmp_path_factory):
    """The generated package and the guide's example module that imports it. Per test: the
    schema request needs the test's database, which on SQLite's in-memory database the live
    server shares with the test only inside the test (module scope failed there)."""
    package = generate_client(live_server.url, tmp_path_factory.mktemp("generated"))
    sys.path.insert(0, str(package.parent))
    try:
        spec = importlib.util.spec_from_file_location("metavast_purchase_example", EXAMPLE)
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        yield importlib.import_module("metavast_client"), example
    finally:
        sys.path.remove(str(package.parent))
        for name in [n for n in sys.modules if n.split(".")[0] == "metavast_client"]:
            del sys.modules[name]


class _Form(HTMLParser):
    """The first POST form of a page: its action, hidden inputs and submit buttons."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self._in_form = self._done = False
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self._done and a.get("method", "").lower() == "post":
            self._in_form, self.action = True, a.get("action") or ""
        elif self._in_form and tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif self._in_form and tag == "button" and a.get("type", "submit") == "submit":
            self._button = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data):
        if self._button is not None and data.strip():
            self.buttons[data.strip()] = self._button
            self._button = None

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def pay_in_sandbox_bank(redirect_url: str) -> requests.Response:
    """What a browser does: open the bank page (it sets the CSRF cookie), press «پرداخت»,
    and follow the redirect back to the store's callback page."""
    with requests.Session() as browser:
        return _press_pay(browser, redirect_url)


def _press_pay(browser: requests.Session, redirect_url: str) -> requests.Response:
    page = browser.get(redirect_url, timeout=60)
    assert page.status_code == 200
    form = _Form()
    form.feed(page.text)
    name, value = form.buttons["پرداخت"]
    back = browser.post(
        urljoin(page.url, form.action),
        data={**form.fields, name: value},
        headers={"Referer": page.url},
        timeout=120,
    )
    assert [r.status_code for r in back.history] == [302], back.history
    assert "/payments/callback/" in back.url
    return back


@pytest.fixture
def closing():
    """Enters a client and closes it after the test: an open keep-alive connection would keep
    a live-server thread, and its database connection, alive past the test."""
    with contextlib.ExitStack() as stack:
        yield stack.enter_context


@pytest.fixture
def background_tasks(settings):
    """As under `make run`: after the payment commits, the invoice is issued and its PDF
    rendered by tasks on background threads; background.wait_idle() lets them finish."""
    settings.EMBEDDED_BACKGROUND_TASKS = True
    settings.INVOICE_PDF_ON_ISSUE = True
    yield
    assert background.wait_idle(60)


@pytest.mark.usefixtures("background_tasks")
def test_a_generated_client_buys_for_someone_else_and_downloads_the_invoice(
    generated, live_server, closing
):
    client_package, example = generated
    variant = make_variant(price=2_400_000, on_hand=4)
    slug = variant.product.slug

    # Sign up by SMS code, read from the test outbox as the customer reads their phone.
    api = closing(
        example.sign_up(live_server.url, MOBILE, read_code=lambda: last_code(MOBILE_E164))
    )
    assert isinstance(api, client_package.AuthenticatedClient)

    profile = example.complete_profile(
        api,
        first_name="سارا",
        last_name="احمدی",
        email=EMAIL,
        read_code=lambda: last_code(MOBILE_E164),
        read_email_token=lambda: last_link(EMAIL).rstrip("/").rsplit("/", 1)[1],
    )
    assert (profile.first_name, profile.last_name) == ("سارا", "احمدی")
    assert (profile.contacts.mobile.value, profile.contacts.mobile.state) == (
        MOBILE_E164,
        "confirmed",
    )
    assert (profile.contacts.email.value, profile.contacts.email.state) == (EMAIL, "confirmed")

    address = example.add_address(api)
    assert address.province == "tehran" and address.id > 0

    cart = example.fill_cart(api, slug, quantity=2)
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(variant.pk, 2)]
    assert cart.subtotal == 2 * cart.lines[0].unit_price and cart.lines[0].unit_price >= 2_400_000

    receiver = client_package.models.ReceiverIn(
        is_self=False, first_name="رضا", last_name="محمدی", mobile="09351234567"
    )
    order = example.place_order_for(api, address.id, receiver)
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.receiver_is_self is False
    placed = Order.objects.get(number=order.number)
    assert order.total == placed.total >= cart.subtotal  # amounts are whole Rials
    assert (placed.receiver_first_name, placed.receiver_last_name) == ("رضا", "محمدی")
    assert placed.user.mobile == MOBILE_E164

    redirect_url = example.start_payment(api, order.number)
    assert redirect_url.startswith(f"{live_server.url}/payments/sandbox/")
    result = pay_in_sandbox_bank(redirect_url)
    assert "پرداخت با موفقیت انجام شد" in result.text
    assert example.order_status(api, order.number) == OrderStatus.PAID

    assert [(o.number, o.status) for o in example.my_orders(api)] == [
        (order.number, OrderStatus.PAID)
    ]

    assert background.wait_idle(60)
    invoice = Invoice.objects.get(order__number=order.number)
    assert invoice.order.user == placed.user and invoice.pdf_sha256  # rendered by its task
    pdf = example.invoice_pdf(api, order.number)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256

    # The bearer token is what opened the PDF: without it the same call is a 401 ErrorOut.
    anonymous = closing(client_package.Client(base_url=live_server.url))
    from metavast_client.api.invoices import invoices_download_pdf

    refused = invoices_download_pdf.sync_detailed(invoice.pk, client=anonymous)
    assert refused.status_code == 401
    assert refused.parsed.code == "unauthenticated"


def test_a_4xx_reaches_the_app_as_the_shared_error_model(generated, live_server, closing):
    _, example = generated
    api = closing(
        example.sign_up(live_server.url, MOBILE, read_code=lambda: last_code(MOBILE_E164))
    )
    with pytest.raises(example.ApiError) as raised:
        example.fill_cart(api, "no-such-product")
    assert raised.value.code == "product_not_found"
    assert str(raised.value) == "product_not_found: کالا پیدا نشد."
