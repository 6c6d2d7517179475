"""Access matrix rows for invoices (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import CUSTOMER, NOBODY, Action, AdminModel, Route

VIEW = frozenset({"finance", "admin"})
FINANCE = frozenset({"finance"})


def _invoice(w):
    return w.invoice


ROWS = [
    AdminModel("invoices.invoice", view=VIEW, add=NOBODY, delete=NOBODY, obj=_invoice),
    Action("invoices.invoice", "delete_selected"),
    # The accountant's CSV (a private buyer's name never leaves: "حقیقی"), credit notes and
    # the Moadian retry write, so they need change_invoice: finance only.
    Action("invoices.invoice", "export_csv", allowed=FINANCE),
    Action("invoices.invoice", "retry_submission", allowed=FINANCE),
    Action("invoices.invoice", "issue_full_credit_note", allowed=FINANCE),
    # The legal invoice PDF carries the buyer as the law requires: audited per download.
    Route("admin:invoices_invoice_pdf", allowed=VIEW, args=lambda w: (w.invoice.pk,)),
    Route("invoices:pdf", audience=CUSTOMER, args=lambda w: (w.invoice.pk,)),
    Route("invoices:official_buyer", audience=CUSTOMER, args=lambda w: (w.paid_order.number,)),
    Route("api:list_invoices", audience=CUSTOMER),
    Route("api:invoice_pdf", audience=CUSTOMER, args=lambda w: (w.invoice.pk,)),
]
