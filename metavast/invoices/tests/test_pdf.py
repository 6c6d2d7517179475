import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from metavast.core.text import to_ascii_digits, to_persian_digits
from metavast.invoices.pdf import read_pdf, render_html
from metavast.invoices.services import (
    credit_note_issue,
    invoice_issue_for_order,
    invoice_render_pdf,
)
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


class _Table(HTMLParser):
    """The invoice's lines table as rows of cell texts, a colspan repeated as empty cells."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {"thead": [], "tbody": [], "tfoot": []}
        self._section = self._cell = None
        self._in_lines = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "lines":
            self._in_lines = True
        elif self._in_lines and tag in self.sections:
            self._section = tag
        elif self._in_lines and tag == "tr" and self._section:
            self.sections[self._section].append([])
        elif self._in_lines and tag in ("td", "th"):
            self._cell = []
            self._span = int(attrs.get("colspan", 1))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_lines = False
        elif tag in ("td", "th") and self._cell is not None:
            row = self.sections[self._section][-1]
            row.append("".join(self._cell).strip())
            row.extend([""] * (self._span - 1))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rials(cell: str) -> int:
    """A cell's amount («۱٬۲۳۴» or the VAT cell «۱۲۳\\n٪۱۰»): its first line, in Rials."""
    return int(to_ascii_digits(cell.split("\n")[0]).replace("٬", ""))


AMOUNT_COLUMNS = (
    "مبلغ کل (ریال)",
    "تخفیف (ریال)",
    "مبلغ پس از تخفیف (ریال)",
    "مالیات (ریال)",
    "جمع (ریال)",
)


def _column_totals_add_up(invoice) -> dict[str, int]:
    table = _Table()
    table.feed(render_html(invoice))
    (head,), body, (foot,) = (
        table.sections["thead"],
        table.sections["tbody"],
        table.sections["tfoot"],
    )
    assert len(foot) == len(head) and all(len(row) == len(head) for row in body)
    totals = {}
    for name in AMOUNT_COLUMNS:
        i = head.index(name)
        totals[name] = _rials(foot[i])
        assert totals[name] == sum(_rials(row[i]) for row in body), name
    # Nothing but the label sits under the other columns.
    assert [cell for i, cell in enumerate(foot) if head[i] not in AMOUNT_COLUMNS] == ["جمع"] + [
        ""
    ] * (len(head) - len(AMOUNT_COLUMNS) - 1)
    return totals


def _discounted_paid_order(user):
    from metavast.cart.services import cart_apply_discount_code, cart_get_or_create
    from metavast.orders.services import order_mark_paid
    from metavast.orders.tests.factories import fill_cart, make_variant, place
    from metavast.promotions.tests.factories import make_code

    make_code(code="YALDA10", percent=10)
    fill_cart(user, (make_variant(price=2_633_333, on_hand=10), 2), (make_variant(price=99_999), 3))
    cart_apply_discount_code(cart=cart_get_or_create(user=user), code="YALDA10")
    order = place(user, shipping="courier")
    return order_mark_paid(order_id=order.pk, payment_id=987_654)


@pytest.mark.parametrize("discounted", [True, False], ids=["discount", "no-discount"])
def test_each_total_is_the_sum_of_its_column(shop, discounted):
    """QA 1, item 2: «جمع» put the amount before discount under «مبلغ پس از تخفیف» and left
    the discount column without a total. Invoice and credit notes, with and without the
    discount and the shipping line."""
    user = make_customer()
    order = _discounted_paid_order(user) if discounted else paid_order(user)
    assert order.shipping_cost > 0 and (order.discount > 0) == discounted
    invoice = invoice_issue_for_order(order_id=order.pk)
    totals = _column_totals_add_up(invoice)
    assert totals == {
        "مبلغ کل (ریال)": invoice.subtotal,
        "تخفیف (ریال)": invoice.discount,
        "مبلغ پس از تخفیف (ریال)": invoice.subtotal - invoice.discount,
        "مالیات (ریال)": invoice.vat,
        "جمع (ریال)": invoice.total,
    }
    assert (invoice.discount > 0) == discounted and invoice.total == order.total
    first = invoice.lines.order_by("position").first()
    # A part back without the shipping line, then the rest with it.
    part = credit_note_issue(
        invoice=invoice, quantities={first.pk: 1}, include_shipping=False, reason="مرجوعی"
    )
    assert not part.lines.filter(product_code="SHIPPING").exists()
    assert _column_totals_add_up(part)["تخفیف (ریال)"] == part.discount
    rest = credit_note_issue(
        invoice=invoice,
        quantities={line.pk: line.quantity - (line.pk == first.pk) for line in invoice.lines.all()},
        include_shipping=True,
        reason="لغو",
    )
    assert rest.lines.filter(product_code="SHIPPING").exists()
    assert _column_totals_add_up(rest)["جمع (ریال)"] == rest.total
