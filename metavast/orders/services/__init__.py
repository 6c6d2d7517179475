"""Writes to orders. Import from here; the modules split the work by topic:

- `placement`: `order_place` (cart → order with reserved stock).
- `status`: the state machine (`order_set_status`) and its named moves (`order_mark_paid`,
  `order_cancel`, expiry, shipping, delivery, refunds).
- `info_requests`: holding an order for the customer's information (P3).
- `receiver`: staff reading the receiver's details, audited (P4).
- `cancellation`: the customer's confirmed cancel; a paid order's cancellation request that
  staff approve or refuse.
"""

from metavast.orders.services.cancellation import (
    CustomerCancel,
    cancellation_request_approve,
    cancellation_request_refuse,
    order_customer_cancel,
)
from metavast.orders.services.info_requests import (
    InfoAnswer,
    info_request_answer,
    info_request_create,
    info_requests_sweep,
)
from metavast.orders.services.placement import (
    Receiver,
    customer_missing,
    order_details_as_placed,
    order_place,
    order_place_in_transaction,
    require_customer,
)
from metavast.orders.services.receiver import mask, order_receiver_reveal
from metavast.orders.services.status import (
    order_cancel,
    order_expire,
    order_mark_delivered,
    order_mark_paid,
    order_mark_paid_locked,
    order_mark_shipped,
    order_record_refund,
    order_set_status,
    order_start_processing,
    orders_expire_due,
)

__all__ = [
    "CustomerCancel",
    "InfoAnswer",
    "Receiver",
    "cancellation_request_approve",
    "cancellation_request_refuse",
    "customer_missing",
    "info_request_answer",
    "info_request_create",
    "info_requests_sweep",
    "mask",
    "order_cancel",
    "order_customer_cancel",
    "order_details_as_placed",
    "order_expire",
    "order_mark_delivered",
    "order_mark_paid",
    "order_mark_paid_locked",
    "order_mark_shipped",
    "order_place",
    "order_place_in_transaction",
    "order_receiver_reveal",
    "order_record_refund",
    "order_set_status",
    "order_start_processing",
    "orders_expire_due",
    "require_customer",
]
