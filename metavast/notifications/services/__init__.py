"""The notifications services: `outbox` writes messages, `delivery` sends them.

Other apps import from here: `notify`, `send_verification`, `send_to_address`.
"""

from metavast.notifications.services.delivery import (
    message_claim,
    message_deliver,
    message_retry,
    outbox_deliver_due,
    queue_after_commit,
    retry_delay,
)
from metavast.notifications.services.outbox import (
    ADDRESS_PURPOSES,
    VERIFICATION_TEMPLATES,
    notify,
    send_promotion,
    send_to_address,
    send_verification,
)

__all__ = [
    "ADDRESS_PURPOSES",
    "VERIFICATION_TEMPLATES",
    "message_claim",
    "message_deliver",
    "message_retry",
    "notify",
    "outbox_deliver_due",
    "queue_after_commit",
    "retry_delay",
    "send_promotion",
    "send_to_address",
    "send_verification",
]
