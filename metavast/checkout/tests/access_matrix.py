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


def _window(w):
    """A courier window (issue 15): made once on the demo courier method."""
    import datetime as dt

    from metavast.checkout.models import DeliveryWindow, ShippingMethod

    def make():
        methods = ShippingMethod.objects.order_by("pk")
        method = methods.filter(code="courier").first() or methods.first()
        method.needs_delivery_window = True
        method.save(update_fields=["needs_delivery_window"])
        return DeliveryWindow.objects.create(
            method=method,
            date=dt.date.today() + dt.timedelta(days=1),
            starts_at=dt.time(9),
            ends_at=dt.time(12),
            capacity=5,
        )

    return w.once("delivery_window", make)


def _hours(w):
    """The courier's daily hours (delivery_schedule): made once on the demo courier."""
    import datetime as dt

    from metavast.checkout.models import RecurringWindow

    def make():
        window = _window(w)
        return RecurringWindow.objects.create(
            method=window.method, starts_at=dt.time(14), ends_at=dt.time(17), capacity=4
        )

    return w.once("recurring_window", make)


# Warehouse plans the courier's days; support sees them to answer customers.
WINDOWS_EDIT = frozenset({"warehouse", "admin"})

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
    AdminModel(
        "checkout.deliverywindow",
        view=WINDOWS_EDIT | {"support"},
        add=WINDOWS_EDIT,
        delete=WINDOWS_EDIT,
        obj=_window,
    ),
    Action("checkout.deliverywindow", "delete_selected", allowed=WINDOWS_EDIT),
    AdminModel(
        "checkout.recurringwindow",
        view=WINDOWS_EDIT | {"support"},
        add=WINDOWS_EDIT,
        delete=WINDOWS_EDIT,
        obj=_hours,
    ),
    Action("checkout.recurringwindow", "delete_selected", allowed=WINDOWS_EDIT),
    Route("checkout:start", audience=PUBLIC, note="sends a guest to sign in"),
    Route("checkout:address", audience=CUSTOMER),
    Route("checkout:shipping", audience=CUSTOMER),
    Route("checkout:review", audience=CUSTOMER),
    Route("checkout:place", audience=CUSTOMER),
    Route("checkout:pay", audience=CUSTOMER, args=lambda w: (w.paid_order.number,)),
    Route("api:quotes", audience=PUBLIC, note="shipping prices for a cart"),
    Route("api:place", audience=CUSTOMER),
]
