"""The invoice PDF: HTML rendered by WeasyPrint (which shapes Persian with HarfBuzz).

Generated once, after issue, into private storage (never under MEDIA_URL) and streamed by
views that check who is asking. The web font is the Vazirmatn file set-up fetched, when
present; otherwise fonts installed on the system (Noto Sans Arabic / DejaVu Sans).

The stored file is sealed with the field-encryption keys (`metavast.core.private_files`):
it prints the buyer's name and mobile, so at rest (on disk, 0600 in 0700 directories, or in
the bucket) it is a MultiFernet token, and `rotate_field_keys` re-seals it. We keep a stored file rather than render
on every download because the document handed to the buyer is a legal one whose SHA-256 is
recorded once at issue (a new template or font must not change an issued invoice), and
because a render costs 230–350 ms of CPU against well under 1 ms to decrypt. Every read
checks the plaintext against that recorded digest.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from metavast.core import private_files
from metavast.core.crypto import InvalidToken
from metavast.core.money import amount_in_words
from metavast.invoices.errors import InvoicePdfDamaged

log = logging.getLogger(__name__)


def font_path() -> Path | None:
    for name in ("Vazirmatn-Regular.ttf",):
        path = Path(settings.VAR_DIR) / "vendor" / "fonts" / name
        if path.exists():
            return path
    return None


def column_totals(invoice, lines) -> dict[str, int]:
    """The totals row: one figure under each amount column. They are the invoice's recorded
    amounts (what the tax system was sent), which are the sums of its lines' columns
    (services._create); a difference would be a bug, so it is logged, never papered over."""
    totals = {
        "amount": invoice.subtotal,  # before discount: unit price x quantity
        "discount": invoice.discount,
        "net": invoice.subtotal - invoice.discount,
        "vat": invoice.vat,
        "total": invoice.total,
    }
    sums = {
        "amount": sum(line.amount for line in lines),
        "discount": sum(line.discount for line in lines),
        "net": sum(line.net_amount for line in lines),
        "vat": sum(line.vat_amount for line in lines),
        "total": sum(line.line_total for line in lines),
    }
    if sums != totals:
        log.error("invoice totals differ from its lines", extra={"invoice_id": invoice.pk})
    return totals


def render_html(invoice) -> str:
    regular = font_path()
    bold = regular.with_name("Vazirmatn-Bold.ttf") if regular else None
    lines = list(invoice.lines.all())
    for line in lines:
        line.amount = line.unit_price * line.quantity  # the «مبلغ کل» column, before discount
    return render_to_string(
        "invoices/invoice_pdf.html",
        {
            "invoice": invoice,
            "lines": lines,
            "totals": column_totals(invoice, lines),
            "buyer": invoice.buyer,
            "seller": invoice.seller,
            "order": invoice.order,
            "total_words": amount_in_words(invoice.total),
            "font_regular": regular.as_uri() if regular else "",
            "font_bold": bold.as_uri() if bold and bold.exists() else "",
        },
    )


def render_pdf(invoice) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(invoice), base_url=str(settings.BASE_DIR)).write_pdf()


def storage_name(invoice) -> str:
    """The PDF's name in the private storage (what `Invoice.pdf_name` keeps)."""
    return f"invoices/{invoice.fiscal_year}/{invoice.kind}-{invoice.number:06d}.pdf"


def write_pdf(invoice) -> tuple[str, str]:
    """Render, seal and store (replacing an earlier attempt's file); returns the stored
    name and the plaintext PDF's digest."""
    data = render_pdf(invoice)
    name = private_files.write_sealed(storage_name(invoice), data)
    return name, hashlib.sha256(data).hexdigest()


def is_stored(name: str) -> bool:
    return bool(name) and private_files.exists(name)


def read_pdf(invoice) -> bytes:
    """The stored PDF in clear (a plaintext file from before sealing is sealed now)."""
    try:
        data = private_files.read_sealed(invoice.pdf_name)
    except InvalidToken:
        log.error("invoice pdf cannot be opened", extra={"invoice_id": invoice.pk})
        raise InvoicePdfDamaged() from None
    if invoice.pdf_sha256 and hashlib.sha256(data).hexdigest() != invoice.pdf_sha256:
        log.error("invoice pdf digest mismatch", extra={"invoice_id": invoice.pk})
        raise InvoicePdfDamaged()
    return data


def delete_stored(names: list[str]) -> None:
    """Remove stored PDFs by their stored names (the legal period is over); a missing file
    is already gone. A name that would leave the private storage (`..`, absolute) is
    refused and logged, never followed."""
    for name in names:
        try:
            private_files.check_name(name)
        except SuspiciousFileOperation:
            log.error("invoice pdf outside private storage", extra={"pdf_name": name})
            continue
        private_files.delete(name)
