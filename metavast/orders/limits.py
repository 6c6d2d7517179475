"""How often one customer, and one client address, may place orders; counted in the cache.

Each limit is a counter per fixed window (`cache.add` starts it, `incr` counts), the shape
of the accounts send limits. Keys carry the customer's id, and for the address a keyed
digest of the IP, never the IP itself. Every placing attempt that gets past the idempotency
check counts (a repeated request for an order already made is answered before it and does
not).

If the cache cannot be reached, placing goes on and the outage is logged: this limit only
slows a flood down, the caps on unpaid orders (checked in the database under the customer's
lock) still hold, and a cache outage must not stop every sale.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from metavast.core import crypto
from metavast.orders.errors import PlacingTooFast

logger = logging.getLogger(__name__)


def _count(key: str, window: int) -> int | None:
    """The attempt's number in the current window; None when the cache is unreachable."""
    full_key = f"orders:place:{key}"
    try:
        cache.add(full_key, 0, timeout=window)
        try:
            return cache.incr(full_key)
        except ValueError:  # the window ended between add and incr
            cache.set(full_key, 1, timeout=window)
            return 1
    except Exception:
        logger.warning("order placing limit unavailable", exc_info=True)
        return None


def _hit(key: str, limit_and_window: tuple[int, int]) -> None:
    limit, window = limit_and_window
    count = _count(key, window)
    if count is not None and count > limit:
        raise PlacingTooFast()


def order_place_allowed(*, user_id: int, ip: str | None) -> None:
    """Count one placing attempt; raise PlacingTooFast (429) past either limit."""
    _hit(f"customer:{user_id}", settings.ORDER_PLACE_LIMIT_PER_CUSTOMER)
    if ip:
        digest = crypto.blind_index(ip, purpose="orders.place_limits")[:32]
        _hit(f"ip:{digest}", settings.ORDER_PLACE_LIMIT_PER_IP)
