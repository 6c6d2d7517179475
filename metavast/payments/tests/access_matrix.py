"""Access matrix rows for payments (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import (
    CUSTOMER,
    NOBODY,
    PUBLIC,
    Action,
    AdminModel,
    Route,
)

ROWS = [
    AdminModel(
        "payments.payment",
        view={"finance", "admin"},
        add=NOBODY,
        delete=NOBODY,
        obj=lambda w: w.payment,
    ),
    Action("payments.payment", "delete_selected"),
    Action("payments.payment", "reverify", allowed={"finance"}),
    Route("payments:start", audience=CUSTOMER, args=lambda w: (w.order.number,)),
    Route("payments:callback", audience=PUBLIC, note="the bank's callback, verified with the PSP"),
    Route("payments:sandbox_bank", audience=PUBLIC, note="the sandbox bank (off in production)"),
    Route("api:start_endpoint", audience=CUSTOMER, args=lambda w: (w.order.number,)),
    Route("api:status_endpoint", audience=CUSTOMER, args=lambda w: (w.order.number,)),
]
