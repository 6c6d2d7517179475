"""Access matrix rows for promotions (format: metavast/staff/tests/access_matrix_format.py).

Marketing manages discount codes; finance sees them. Nobody deletes one (it is switched off)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import NOBODY, Action, AdminModel


def _code(w):
    from datetime import timedelta

    from django.utils import timezone

    from metavast.promotions.models import DiscountCode

    now = timezone.now()
    code, _ = DiscountCode.objects.get_or_create(
        code="MATRIX10",
        defaults={
            "kind": "percent",
            "percent": 10,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=30),
        },
    )
    return code


ROWS = [
    AdminModel(
        "promotions.discountcode",
        view={"marketing", "finance"},
        add={"marketing"},
        change={"marketing"},
        delete=NOBODY,
        obj=_code,
    ),
    Action("promotions.discountcode", "delete_selected"),  # offered to no role
]
