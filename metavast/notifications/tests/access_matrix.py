"""Access matrix rows for notifications (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import NOBODY, Action, AdminModel


def _message(w):
    from metavast.notifications.models import OutboxMessage

    return OutboxMessage.objects.order_by("pk").first()


ROWS = [
    # Addresses masked for all; the full address and body for superusers only (audited).
    AdminModel(
        "notifications.outboxmessage", view={"admin"}, add=NOBODY, delete=NOBODY, obj=_message
    ),
    Action("notifications.outboxmessage", "delete_selected"),
    Action("notifications.outboxmessage", "retry_messages", allowed=NOBODY),
]
