"""Access matrix rows for checkout (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import (
    CUSTOMER,
    NOBODY,
    PUBLIC,
    Action,
    AdminModel,
    Route,
)


def _method(w):
    from metavast.checkout.models import ShippingMethod

    return ShippingMethod.objects.order_by("pk").first()


def _vat(w):
    from metavast.checkout.models import VatRate

    return VatRate.objects.order_by("pk").first()


ROWS = [
    AdminModel(
        "checkout.shippingmethod",
        view={"support", "warehouse", "finance", "admin"},
        add=NOBODY,
        delete=NOBODY,
        obj=_method,
    ),
    AdminModel("checkout.vatrate", view={"finance", "admin"}, add=NOBODY, delete=NOBODY, obj=_vat),
    Action("checkout.shippingmethod", "delete_selected"),
    Action("checkout.vatrate", "delete_selected"),
    Route("checkout:start", audience=PUBLIC, note="sends a guest to sign in"),
    Route("checkout:address", audience=CUSTOMER),
    Route("checkout:shipping", audience=CUSTOMER),
    Route("checkout:review", audience=CUSTOMER),
    Route("checkout:place", audience=CUSTOMER),
    Route("checkout:pay", audience=CUSTOMER, args=lambda w: (w.paid_order.number,)),
    Route("api:quotes", audience=PUBLIC, note="shipping prices for a cart"),
    Route("api:place", audience=CUSTOMER),
]
