import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from metavast.core.text import to_persian_digits
from metavast.invoices.pdf import read_pdf
from metavast.invoices.services import invoice_issue_for_order, invoice_render_pdf
from metavast.invoices.tests.factories import paid_order, save_first_page_png
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def has(text: str, digits: str) -> bool:
    """Extractors may give a right-to-left line's digit runs in visual order."""
    return digits in text or digits[::-1] in text


def pdf_text(path: Path) -> str:
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    # Extracted Arabic-script text may come out in presentation forms; fold them.
    return unicodedata.normalize("NFKC", text)


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def test_pdf_holds_number_buyer_and_total(shop, private_storage, tmp_path):
    user = make_customer(first_name="مریم", last_name="کاظمی")
    invoice = invoice_render_pdf(
        invoice_id=invoice_issue_for_order(order_id=paid_order(user).pk).pk
    )
    path = private_storage / invoice.pdf_name
    assert path.exists() and len(invoice.pdf_sha256) == 64
    assert str(private_storage) not in invoice.pdf_name  # stored relative, never under MEDIA
    path = tmp_path / "clear.pdf"  # the stored file is sealed; read it as a download does
    path.write_bytes(read_pdf(invoice))
    text = pdf_text(path)
    assert invoice.tax_id in text
    assert has(text, to_persian_digits(f"{invoice.number:06d}"))
    assert "مریم" in text and "کاظمی" in text
    assert has(text, to_persian_digits(f"{invoice.total:,}".replace(",", "٬")))
    # A second render finds the stored file: same digest, no rewrite.
    again = invoice_render_pdf(invoice_id=invoice.pk)
    assert again.pdf_sha256 == invoice.pdf_sha256
    png = save_first_page_png(path, "invoice-page1")
    if png is not None:
        assert png.stat().st_size > 10_000
