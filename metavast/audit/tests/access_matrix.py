"""Access matrix rows for audit (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import NOBODY, Action, AdminModel


def _event(w):
    from metavast.audit.models import AuditEvent

    return AuditEvent.objects.order_by("pk").first()


ROWS = [
    AdminModel("audit.auditevent", view={"admin"}, add=NOBODY, delete=NOBODY, obj=_event),
    Action("audit.auditevent", "delete_selected"),
]
