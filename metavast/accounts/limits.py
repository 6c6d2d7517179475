"""Send limits for SMS codes, kept in the cache (Redis in production), failing closed.

Each limit is a counter per window: `cache.add(key, 0, window)` starts it, `incr` counts.
If the cache cannot be reached we raise `CodeUnavailable` and send nothing: an outage
must not become a free-for-all SMS pump that costs money and floods someone's phone.
Keys carry the mobile's blind index, never the number.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from metavast.accounts.errors import CodeCooldown, CodeLimited, CodeUnavailable


def _incr(key: str, window: int) -> int:
    try:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout=window)
            return 1
    except CodeUnavailable:
        raise
    except Exception as exc:
        raise CodeUnavailable() from exc


def hit(key: str, *, limit: int, window: int) -> None:
    if _incr(f"accounts:limit:{key}", window) > limit:
        raise CodeLimited()


def cooldown(key: str, *, seconds: int) -> None:
    """Allow one event per `seconds` for `key`; otherwise say how long to wait."""
    full_key = f"accounts:cooldown:{key}"
    now = time.time()
    try:
        if cache.add(full_key, now + seconds, timeout=seconds):
            return
        until = cache.get(full_key)
    except Exception as exc:
        raise CodeUnavailable() from exc
    raise CodeCooldown(int((until or now + seconds) - now) + 1)


def code_send_allowed(*, mobile_index: str, purpose: str, ip: str | None) -> None:
    """Every check a code SMS must pass, cheapest first; raises if one fails."""
    short = mobile_index[:32]
    cooldown(f"{purpose}:{short}", seconds=settings.OTP_RESEND_COOLDOWN_SECONDS)
    limit, window = settings.OTP_SEND_LIMIT_PER_MOBILE
    hit(f"mobile:{short}", limit=limit, window=window)
    limit, window = settings.OTP_SEND_LIMIT_PER_IP
    hit(f"ip:{ip or 'unknown'}", limit=limit, window=window)
    limit, window = settings.OTP_SEND_LIMIT_GLOBAL
    hit("global", limit=limit, window=window)
