"""The invoice PDF speaks Persian digits: order number, phones, page numbers, line text.

The one Latin run allowed is the Moadian tax id (letters and digits the tax system issues,
copied into its portal as printed)."""

import re

import pytest

from metavast.core.text import to_persian_digits
from metavast.invoices.pdf import read_pdf
from metavast.invoices.services import invoice_issue_for_order, invoice_render_pdf
from metavast.invoices.tests.factories import paid_order
from metavast.invoices.tests.test_pdf import has, pdf_text
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_invoice_pdf_has_no_latin_digits_but_the_tax_id(shop, tmp_path):
    user = make_customer(first_name="مریم", last_name="کاظمی")
    order = paid_order(user)
    invoice = invoice_render_pdf(invoice_id=invoice_issue_for_order(order_id=order.pk).pk)
    path = tmp_path / "clear.pdf"
    path.write_bytes(read_pdf(invoice))
    text = pdf_text(path)
    assert has(text, to_persian_digits(order.number))
    assert has(text, "۱/۱") or has(text, "۱ / ۱")  # the page counter, counter(page, persian)
    assert "۰۹" in text  # the buyer's mobile as 09…, not +98
    assert "+98" not in text
    # A code with Latin letters (the SKU «SKU-3566523ab») keeps its digits as typed.
    rest = re.sub(r"[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*", "", text.replace(invoice.tax_id, ""))
    assert re.findall(r"[0-9]+", rest) == []
