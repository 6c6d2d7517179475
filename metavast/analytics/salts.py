"""Unique visitors without a cookie, an IP or a user id (Plausible's method).

A visitor is `sha256(salt of the day | IP | user agent | site)`, cut to 128 bits. The salt is
32 random bytes made on the day's first request and kept only in the cache (Redis in
production, shared by every worker) for that Tehran day. Neither the IP nor the user agent
is stored anywhere: they are hashed in the request and dropped. The hashes of the day sit in
`DailyVisitor` only so the fold can tell a new visitor from a repeat one; the day's count is
added to `DailyCount(visitors)` as each new hash is inserted.

Once the day is over the hourly job (tasks.destroy_old_salts) deletes the old salts and all
of that day's hashes: nobody, us included, can then recompute a hash from an IP, and the
same person tomorrow is a new, unlinkable visitor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading

from django.core.cache import cache

from metavast.core.jalali import TEHRAN

SALT_TTL_SECONDS = 2 * 86400  # a safety net: the job deletes yesterday's salt long before
_memo: dict[dt.date, str] = {}
_lock = threading.Lock()


def tehran_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TEHRAN).date()


def _key(day: dt.date) -> str:
    return f"analytics:salt:{day.isoformat()}"


def salt_for(day: dt.date) -> str:
    """The day's salt, made once (the first worker to ask wins: cache.add)."""
    salt = _memo.get(day)
    if salt is not None:
        return salt
    salt = cache.get(_key(day))
    if salt is None:
        cache.add(_key(day), secrets.token_hex(32), timeout=SALT_TTL_SECONDS)
        salt = cache.get(_key(day))
    with _lock:
        _memo.clear()  # never keep another day's salt in memory
        _memo[day] = salt
    return salt


def visitor_digest(*, day: dt.date, ip: str, user_agent: str, site: str) -> str:
    material = f"{salt_for(day)}|{ip}|{user_agent}|{site}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def destroy_salts_before(day: dt.date, *, days_back: int = 7) -> None:
    """Delete every salt of the `days_back` days before `day` from the cache and memory."""
    cache.delete_many([_key(day - dt.timedelta(days=n)) for n in range(1, days_back + 1)])
    with _lock:
        for old in [d for d in _memo if d < day]:
            del _memo[old]
