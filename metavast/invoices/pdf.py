"""The invoice PDF: HTML rendered by WeasyPrint (which shapes Persian with HarfBuzz).

Generated once, after issue, into private storage (never under MEDIA_URL) and streamed by
views that check who is asking. The web font is the Vazirmatn file set-up fetched, when
present; otherwise fonts installed on the system (Noto Sans Arabic / DejaVu Sans).

The stored file is sealed with the field-encryption keys (`metavast.core.private_files`):
it prints the buyer's name and mobile, so on disk it is a MultiFernet token, 0600, in 0700
directories, and `rotate_field_keys` re-seals it. We keep a stored file rather than render
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


def render_html(invoice) -> str:
    regular = font_path()
    bold = regular.with_name("Vazirmatn-Bold.ttf") if regular else None
    return render_to_string(
        "invoices/invoice_pdf.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
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


def storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT)


def storage_path(invoice) -> Path:
    return (
        storage_root()
        / "invoices"
        / str(invoice.fiscal_year)
        / (f"{invoice.kind}-{invoice.number:06d}.pdf")
    )


def write_pdf(invoice) -> tuple[str, str]:
    """Render, seal and store; returns the stored name and the plaintext PDF's digest."""
    data = render_pdf(invoice)
    path = storage_path(invoice)
    private_files.write_sealed(path, data, root=storage_root())
    relative = str(path.relative_to(storage_root()))
    return relative, hashlib.sha256(data).hexdigest()


def read_pdf(invoice) -> bytes:
    """The stored PDF in clear (a plaintext file from before sealing is sealed now)."""
    try:
        data = private_files.read_sealed(storage_root() / invoice.pdf_name, root=storage_root())
    except InvalidToken:
        log.error("invoice pdf cannot be opened", extra={"invoice_id": invoice.pk})
        raise InvoicePdfDamaged() from None
    if invoice.pdf_sha256 and hashlib.sha256(data).hexdigest() != invoice.pdf_sha256:
        log.error("invoice pdf digest mismatch", extra={"invoice_id": invoice.pk})
        raise InvoicePdfDamaged()
    return data


def delete_stored(names: list[str]) -> None:
    """Remove stored PDFs by their stored names (the legal period is over); a missing file
    is already gone."""
    root = storage_root()
    for name in names:
        path = (root / name).resolve()
        if root.resolve() not in path.parents:
            log.error("invoice pdf outside private storage", extra={"pdf_name": name})
            continue
        path.unlink(missing_ok=True)
