"""P4: what of an order identifies another person, and goes once its retention has passed.

When a customer sends an order to someone else, that person's name, mobile and street
address live encrypted on the order. The retention engine (metavast/privacy/retention.py,
rule "order_receivers") blanks these fields once the order is closed (delivered, cancelled
or refunded) and ORDER_RECEIVER_RETENTION_DAYS have passed, time enough for returns and
disputes; it stamps `receiver_erased_at` and records `orders.receiver_erased`. Orders the
customer received themselves keep their address (it is the customer's own, kept with their
account). The erasure of an account (metavast.privacy.services.erasure) blanks the same
fields.
"""

from __future__ import annotations

# Everything that identifies the receiver or where they live; province and city stay.
ERASED_FIELDS = (
    "receiver_first_name",
    "receiver_last_name",
    "receiver_mobile",
    "street",
    "alley",
    "plaque",
    "unit",
    "postal_code",
)
