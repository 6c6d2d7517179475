"""The invoice PDF: HTML rendered by WeasyPrint (which shapes Persian with HarfBuzz).

Generated once, after issue, into private storage (never under MEDIA_URL) and streamed by
views that check who is asking. The web font is the Vazirmatn file set-up fetched, when
present; otherwise fonts installed on the system (Noto Sans Arabic / DejaVu Sans).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from metavast.core.money import amount_in_words


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
    data = render_pdf(invoice)
    path = storage_path(invoice)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    relative = str(path.relative_to(storage_root()))
    return relative, hashlib.sha256(data).hexdigest()
