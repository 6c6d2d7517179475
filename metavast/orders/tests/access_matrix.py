"""Access matrix rows for orders (format: metavast/staff/tests/access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import CUSTOMER, NOBODY, Action, AdminModel, Route

VIEW = frozenset({"support", "warehouse", "finance", "admin"})  # never marketing: no lists
WORK = frozenset({"support", "warehouse", "admin"})  # fulfilment: start, ship, deliver
# Asking the customer for information, cancelling and recording a refund change the deal with
# the customer and move money: support and admin, never warehouse (docs/roles.md; QA report 2,
# item 3: warehouse cancelled a paid order and recorded a 1-Rial refund). orders/admin.py
# ACTION_RIGHTS gives them the right that decides cancellation requests (CANCEL_DECIDE).
CUSTOMER_DEAL = frozenset({"support", "admin"})


def _order(w):
    return w.order  # PROCESSING: the one status whose packing slip opens


def _pk(w):
    return (w.order.pk,)


def _cancellation(w):
    """A customer's pending request on the paid order (made as the service would)."""
    from metavast.orders.models import CancellationRequest

    def make():
        order = w.order
        return CancellationRequest.objects.create(
            order=order, refund_amount=order.total, requested_by=order.user
        )

    return w.once("cancellation_request", make)


# Issue 15: who reads the requests, who decides them (approval starts a refund).
CANCEL_VIEW = frozenset({"support", "finance", "admin"})
CANCEL_DECIDE = frozenset({"support", "admin"})


ROWS = [
    AdminModel("orders.order", view=VIEW, add=NOBODY, delete=NOBODY, obj=_order),
    Action("orders.order", "delete_selected"),
    Action("orders.order", "action_start_processing", allowed=WORK),
    Action("orders.order", "action_mark_delivered", allowed=WORK),
    # The receiver: warehouse only, only on the packing slip, only while PROCESSING.
    Route("admin:orders_order_packing_slip", allowed={"warehouse"}, args=_pk),
    Route("admin:orders_order_request_info", allowed=CUSTOMER_DEAL, args=_pk),
    Route("admin:orders_order_ship", allowed=WORK, args=_pk),
    Route("admin:orders_order_cancel", allowed=CUSTOMER_DEAL, args=_pk),
    Route("admin:orders_order_refund", allowed=CUSTOMER_DEAL, args=_pk),
    # GET on these POST-only buttons sends an allowed user back to the order (302).
    Route("admin:orders_order_process", allowed=WORK, args=_pk, ok=(302,)),
    Route("admin:orders_order_deliver", allowed=WORK, args=_pk, ok=(302,)),
    AdminModel(
        "orders.cancellationrequest",
        view=CANCEL_VIEW,
        add=NOBODY,
        delete=NOBODY,
        obj=_cancellation,
    ),
    Action(
        "orders.cancellationrequest",
        "delete_selected",
        note="requests are decided, never deleted (no delete permission for anyone)",
    ),
    Route(
        "admin:orders_cancellationrequest_approve",
        allowed=CANCEL_DECIDE,
        args=lambda w: (_cancellation(w).pk,),
    ),
    Route(
        "admin:orders_cancellationrequest_refuse",
        allowed=CANCEL_DECIDE,
        args=lambda w: (_cancellation(w).pk,),
    ),
    # The customer's own orders.
    Route("orders:list", audience=CUSTOMER),
    Route("orders:detail", audience=CUSTOMER, args=lambda w: (w.order.number,)),
    Route("orders:cancel", audience=CUSTOMER, args=lambda w: (w.order.number,)),
    Route("api:orders_list", audience=CUSTOMER),
    Route("api:order_detail", audience=CUSTOMER, args=lambda w: (w.order.number,)),
    Route("api:order_cancel_endpoint", audience=CUSTOMER, args=lambda w: (w.order.number,)),
]
