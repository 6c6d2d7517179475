"""Invoice PDFs at rest: sealed with the field keys, owner-only, rotated with the keys, and
still downloaded as the very PDF that was issued (customer page, API, staff)."""

import hashlib
import io
import os
import stat
import unicodedata
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from metavast.core import crypto, private_files
from metavast.core.identifiers import display_phone
from metavast.core.text import to_persian_digits
from metavast.invoices import pdf
from metavast.invoices.errors import InvoicePdfDamaged
from metavast.invoices.models import Invoice
from metavast.invoices.services import (
    invoice_issue_for_order,
    invoice_pdf_bytes,
    invoice_render_pdf,
)
from metavast.invoices.tests.factories import paid_order
from metavast.invoices.views import staff_invoice_pdf
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db

FIRST, LAST = "مریم", "کاظمی"


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def buyer():
    return make_customer(first_name=FIRST, last_name=LAST)


@pytest.fixture
def invoice(shop, private_storage, buyer):
    return invoice_issue_for_order(order_id=paid_order(buyer).pk)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFKC", "".join(page.extract_text() for page in reader.pages))


def mobile_forms(mobile: str) -> set[str]:
    """Every way the mobile could be written: E.164, national, as printed, in Latin,
    Persian and Arabic-Indic digits."""
    national = "0" + mobile.removeprefix("+98")
    latin = {mobile, mobile.lstrip("+"), national, national[1:], display_phone(mobile)}
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    forms = set(latin)
    forms |= {to_persian_digits(value) for value in latin}
    forms |= {value.translate(arabic) for value in latin}
    return forms


def needles(user) -> dict[str, bytes]:
    texts = {"%PDF": "%PDF", FIRST: FIRST, LAST: LAST, user.get_full_name(): user.get_full_name()}
    texts |= {form: form for form in mobile_forms(user.mobile)}
    found = {}
    for label, value in texts.items():
        for encoding in ("utf-8", "utf-16-be", "utf-16-le"):
            found[f"{label} ({encoding})"] = value.encode(encoding)
    return found


def files_under(root: Path) -> list[Path]:
    return [Path(d) / name for d, _, names in os.walk(root) for name in names]


def dirs_under(root: Path) -> list[Path]:
    return [Path(d) for d, _, _ in os.walk(root)]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_nothing_in_clear(root: Path, user) -> None:
    files = files_under(root)
    assert files, "the PDF was stored"
    for path in files:
        raw = path.read_bytes()
        for label, needle in needles(user).items():
            assert needle not in raw, f"{label} in clear in {path}"


def assert_owner_only(root: Path) -> None:
    for directory in dirs_under(root):
        assert mode(directory) == 0o700, directory
    for path in files_under(root):
        assert mode(path) == 0o600, path


def test_stored_pdf_is_sealed_owner_only_and_every_download_is_the_issued_pdf(
    client, invoice, buyer, private_storage
):
    # Given an issued invoice whose PDF has been rendered and stored
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    stored = private_storage / rendered.pdf_name

    # Then no file under the private root holds the buyer or the PDF in clear
    assert_nothing_in_clear(private_storage, buyer)
    assert_owner_only(private_storage)
    assert crypto.is_sealed(stored.read_bytes())

    # And the buyer's page, the API and the staff view stream the same, valid PDF
    client.force_login(buyer)
    page = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    api = client.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    request = RequestFactory().get("/")
    request.user = make_customer(is_staff=True)
    staff = staff_invoice_pdf(request, pk=invoice.pk)
    for response in (page, api, staff):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert hashlib.sha256(response.content).hexdigest() == rendered.pdf_sha256
    assert page.content == api.content == staff.content
    text = text_of(page.content)
    assert FIRST in text and LAST in text

    # And reading never wrote anything in clear either
    assert_nothing_in_clear(private_storage, buyer)
    assert_owner_only(private_storage)


def test_render_on_first_download_also_seals(client, invoice, buyer, private_storage):
    assert not private_storage.exists() or not files_under(private_storage)
    client.force_login(buyer)
    response = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert_nothing_in_clear(private_storage, buyer)
    assert_owner_only(private_storage)


def test_issue_with_pdf_on_issue_writes_sealed_file(
    settings, shop, private_storage, buyer, django_capture_on_commit_callbacks
):
    settings.INVOICE_PDF_ON_ISSUE = True
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue_for_order(order_id=paid_order(buyer).pk)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.pdf_name and len(invoice.pdf_sha256) == 64
    assert_nothing_in_clear(private_storage, buyer)
    assert_owner_only(private_storage)


def write_legacy_plaintext(invoice: Invoice, root: Path) -> tuple[Path, bytes]:
    """What the code before sealing left behind: a plaintext PDF, 0644, in 0755 dirs."""
    data = pdf.render_pdf(invoice)
    path = root / pdf.storage_name(invoice)
    old_umask = os.umask(0o022)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    finally:
        os.umask(old_umask)
    for directory in [root, *path.relative_to(root).parents]:
        os.chmod(root / directory, 0o755)
    os.chmod(path, 0o644)
    Invoice.objects.filter(pk=invoice.pk)._record_delivery(
        pdf_name=str(path.relative_to(root)), pdf_sha256=hashlib.sha256(data).hexdigest()
    )
    return path, data


def test_legacy_plaintext_pdf_is_sealed_on_first_download(client, invoice, buyer, private_storage):
    path, data = write_legacy_plaintext(invoice, private_storage)
    assert path.read_bytes().startswith(b"%PDF")

    client.force_login(buyer)
    response = client.get(reverse("invoices:pdf", args=[invoice.pk]))

    assert response.status_code == 200 and response.content == data
    assert crypto.decrypt_bytes(path.read_bytes()) == data
    assert_nothing_in_clear(private_storage, buyer)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    # A second download reads the sealed file and gives the same bytes.
    assert client.get(reverse("invoices:pdf", args=[invoice.pk])).content == data


def test_seal_private_files_command_seals_every_legacy_file(shop, private_storage, buyer, invoice):
    _, data = write_legacy_plaintext(invoice, private_storage)
    other_user = make_customer(first_name="رضا", last_name="نادری")
    other = invoice_issue_for_order(order_id=paid_order(other_user).pk)
    _, other_data = write_legacy_plaintext(other, private_storage)
    stray = private_storage / "invoices" / "note.txt"  # a plaintext file nobody refers to
    stray.write_text(f"{FIRST} {buyer.mobile}", "utf-8")

    out = io.StringIO()
    call_command("seal_private_files", stdout=out)

    assert "3 sealed" in out.getvalue()
    assert_nothing_in_clear(private_storage, buyer)
    assert_nothing_in_clear(private_storage, other_user)
    assert_owner_only(private_storage)
    assert pdf.read_pdf(Invoice.objects.get(pk=invoice.pk)) == data
    assert pdf.read_pdf(Invoice.objects.get(pk=other.pk)) == other_data
    assert crypto.decrypt_bytes(stray.read_bytes()).decode() == f"{FIRST} {buyer.mobile}"

    # Run again: nothing left to seal, nothing changes.
    before = {p: p.read_bytes() for p in files_under(private_storage)}
    out = io.StringIO()
    call_command("seal_private_files", stdout=out)
    assert "0 sealed, 3 already sealed" in out.getvalue()
    assert {p: p.read_bytes() for p in files_under(private_storage)} == before


def test_rotate_field_keys_reseals_the_files(settings, invoice, private_storage):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    stored = private_storage / rendered.pdf_name
    data = pdf.read_pdf(rendered)
    new_key = Fernet.generate_key().decode()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_field_keys", stdout=out, stderr=err)
    assert "Private files: 1 re-encrypted" in out.getvalue()
    assert err.getvalue() == ""

    # The old keys can go: the file opens with the new one alone and is the same PDF, and
    # so do the invoice's encrypted columns (on PostgreSQL too, past the immutability guard).
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Fernet(new_key.encode()).decrypt(stored.read_bytes()) == data
    reloaded = Invoice.objects.get(pk=invoice.pk)
    assert pdf.read_pdf(reloaded) == data
    assert reloaded.buyer == invoice.buyer and reloaded.buyer["name"] == f"{FIRST} {LAST}"
    assert reloaded.total == invoice.total and reloaded.tax_id == invoice.tax_id
    assert mode(stored) == 0o600


@pytest.mark.postgres
def test_postgres_guard_lets_only_key_rotation_change_only_ciphertext(invoice):
    from django.db import DatabaseError, connection, transaction

    rotated = crypto.rotate_token(_raw_column(invoice.pk, "buyer_json"))

    def attempt(sql: str, *params, rotating: bool) -> bool:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if rotating:
                    cursor.execute("SET LOCAL metavast.key_rotation = 'on'")
                cursor.execute(sql, params)
        except DatabaseError:
            return False
        return True

    update_buyer = "UPDATE invoices_invoice SET buyer_json = %s WHERE id = %s"
    update_total = "UPDATE invoices_invoice SET total = total + 1, vat = vat + 1 WHERE id = %s"
    assert attempt(update_buyer, rotated, invoice.pk, rotating=False) is False
    assert attempt(update_total, invoice.pk, rotating=True) is False
    assert attempt("DELETE FROM invoices_invoice WHERE id = %s", invoice.pk, rotating=True) is False
    assert _raw_column(invoice.pk, "buyer_json") != rotated
    assert attempt(update_buyer, rotated, invoice.pk, rotating=True) is True
    assert _raw_column(invoice.pk, "buyer_json") == rotated
    assert Invoice.objects.get(pk=invoice.pk).total == invoice.total


def _raw_column(pk: int, column: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM invoices_invoice WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_leaves_files_it_cannot_open_untouched(settings, invoice, private_storage):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    stored = private_storage / rendered.pdf_name
    before = stored.read_bytes()
    legacy = private_storage / "invoices" / "legacy.pdf"
    legacy.write_bytes(b"%PDF-1.7 plaintext from before")

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old keys lost
    tally = private_files.rotate_sealed_files()

    assert (tally.rotated, tally.unreadable, tally.plaintext) == (0, 1, 1)
    assert stored.read_bytes() == before
    assert legacy.read_bytes() == b"%PDF-1.7 plaintext from before"


def test_tampered_file_is_refused_not_served(client, invoice, buyer, private_storage):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    stored = private_storage / rendered.pdf_name
    token = bytearray(stored.read_bytes())
    token[60] = ord("A") if token[60] != ord("A") else ord("B")
    stored.write_bytes(bytes(token))
    with pytest.raises(InvoicePdfDamaged):
        invoice_pdf_bytes(invoice=rendered)

    client.force_login(buyer)
    page = client.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/plain")
    assert page.content.decode() == InvoicePdfDamaged.message
    api = client.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert api.status_code == 500 and api.json()["code"] == "invoice_pdf_damaged"
    assert stored.read_bytes() == bytes(token)


def test_swapped_plaintext_is_refused_by_the_recorded_digest(invoice, private_storage, shop):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    other = invoice_render_pdf(invoice_id=invoice_issue_for_order(order_id=paid_order().pk).pk)
    # Someone puts another (plaintext) PDF in this invoice's place.
    (private_storage / rendered.pdf_name).write_bytes(pdf.read_pdf(other))
    with pytest.raises(InvoicePdfDamaged):
        invoice_pdf_bytes(invoice=rendered)
