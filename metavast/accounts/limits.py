"""Send limits for SMS codes and link emails, kept in the cache (Redis in production),
failing closed.

Each limit is a counter per window: `cache.add(key, 0, window)` starts it, `incr` counts.
If the cache cannot be reached we raise `CodeUnavailable` and send nothing: an outage
must not become a free-for-all SMS pump that costs money and floods someone's phone.
Keys carry the mobile's or the email address's blind index, never the number or address.

Link emails (password reset, email confirmation) get the same shape of limits as codes: a
cooldown per address and kind, then counters per address, per account (email change), per
IP and a global cap; their errors say "email", not "code" (EmailCooldown / EmailLimited).
"""

from __future__ import annotations

import contextlib
import time

from django.conf import settings
from django.core.cache import cache

from metavast.accounts.errors import (
    CodeCooldown,
    CodeLimited,
    CodeUnavailable,
    EmailCooldown,
    EmailLimited,
)
from metavast.core import crypto


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


def hit(key: str, *, limit: int, window: int, error: type[Exception] = CodeLimited) -> None:
    if _incr(f"accounts:limit:{key}", window) > limit:
        raise error()


def cooldown(key: str, *, seconds: int, error: type[Exception] = CodeCooldown) -> None:
    """Allow one event per `seconds` for `key`; otherwise say how long to wait."""
    full_key = f"accounts:cooldown:{key}"
    now = time.time()
    try:
        if cache.add(full_key, now + seconds, timeout=seconds):
            return
        until = cache.get(full_key)
    except Exception as exc:
        raise CodeUnavailable() from exc
    raise error(int((until or now + seconds) - now) + 1)


def cooldown_left(key: str) -> int:
    """Whole seconds until `cooldown(key)` lets the next event through (0: now, or unknown
    because the cache is down: sending will say so itself)."""
    try:
        until = cache.get(f"accounts:cooldown:{key}")
    except Exception:
        return 0
    return max(0, int((until or 0) - time.time() + 0.999))


def code_resend_wait(*, mobile_index: str, purpose: str) -> int:
    """Seconds until another code may be sent to this mobile for `purpose`. The same for a
    number with an account and one without (the reset page must not tell them apart)."""
    return cooldown_left(f"{purpose}:{mobile_index[:32]}")


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


def email_index(email: str) -> str:
    """The limit key of an email address: a keyed digest, case-insensitive (one inbox)."""
    return crypto.blind_index(email.strip().lower(), purpose="accounts.email_limits")


def email_send_allowed(
    *, email: str, kind: str, ip: str | None, user_id: int | None = None
) -> None:
    """Every check a link email must pass, cheapest first; raises if one fails.

    `kind` ("reset", "confirm") has its own cooldown; the per-address counter is shared, as
    both land in the same inbox. `user_id` adds the per-account counter (email change);
    `ip=None` means the caller has no client address to count (an app, by token).
    """
    short = email_index(email)[:32]
    cooldown_key = f"email:{kind}:{short}"
    cooldown(
        cooldown_key,
        seconds=settings.EMAIL_LINK_RESEND_COOLDOWN_SECONDS,
        error=EmailCooldown,
    )
    try:
        limit, window = settings.EMAIL_LINK_SEND_LIMIT_PER_ADDRESS
        hit(f"email:address:{short}", limit=limit, window=window, error=EmailLimited)
        if user_id is not None:
            limit, window = settings.EMAIL_LINK_SEND_LIMIT_PER_USER
            hit(f"email:user:{user_id}", limit=limit, window=window, error=EmailLimited)
        if ip is not None:
            limit, window = settings.EMAIL_LINK_SEND_LIMIT_PER_IP
            hit(f"email:ip:{ip}", limit=limit, window=window, error=EmailLimited)
        limit, window = settings.EMAIL_LINK_SEND_LIMIT_GLOBAL
        hit("email:global", limit=limit, window=window, error=EmailLimited)
    except EmailLimited:
        # Nothing was sent: a request refused by a counter (say, a busy IP) must not also
        # hold the address's cooldown against its owner.
        _release(f"accounts:cooldown:{cooldown_key}")
        raise


def _release(key: str) -> None:
    # The refusal stands either way; if the cache is down, the cooldown just runs out.
    with contextlib.suppress(Exception):
        cache.delete(key)
