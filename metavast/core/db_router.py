"""Catalog reads on the streaming replica; everything else, and a writer's next reads, on the primary.

Only when settings.DATABASES has a "replica" alias (DATABASE_REPLICA_URL) does anything change;
without it every query goes to "default", as before.

What may read from the replica: models of REPLICA_READ_APPS (the catalog: products, categories,
search), whose staleness of a second or two harms no one. Never the replica:

- writes, and every read inside a transaction on the primary (select_for_update, a service's
  read-then-write): they must see the primary's rows;
- a customer's own reads just after they wrote (a POST, PUT, PATCH or DELETE): the request and
  every request of that browser for REPLICA_STICKY_SECONDS after it are pinned to the primary
  (a cookie holding only the time the pin ends, see `PinToPrimaryMiddleware`), so a customer
  who has just changed something sees it at once, whatever the replica's lag;
- a replica that is unreachable or lags more than REPLICA_MAX_LAG_SECONDS: its state is checked
  at most every REPLICA_CHECK_SECONDS per process, and a query that fails on it marks it down
  (`ReplicaFallbackMiddleware` then runs a GET again on the primary).
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

_pinned: ContextVar[bool] = ContextVar("metavast_db_pinned", default=False)

# SQL run on the replica: seconds since the last replayed transaction, 0 when caught up.
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class ReplicaState:
    """The per-process view of the replica: usable or not, and its last measured lag."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.checked_at = 0.0
        self.usable = False
        self.lag_seconds: float | None = None
        self.reason = "not checked"

    def mark_down(self, reason: str) -> None:
        with self._lock:
            self.usable = False
            self.reason = reason
            self.checked_at = time.monotonic()
        log.warning("replica marked down", extra={"reason": reason})

    def reset(self) -> None:
        with self._lock:
            self.checked_at = 0.0
            self.usable = False
            self.lag_seconds = None
            self.reason = "not checked"

    def is_usable(self) -> bool:
        if not has_replica():
            return False
        now = time.monotonic()
        if now - self.checked_at < settings.REPLICA_CHECK_SECONDS:
            return self.usable
        with self._lock:
            if now - self.checked_at < settings.REPLICA_CHECK_SECONDS:
                return self.usable
            self.checked_at = now
            self.lag_seconds, self.reason = measure_lag()
            max_lag = settings.REPLICA_MAX_LAG_SECONDS
            self.usable = self.lag_seconds is not None and self.lag_seconds <= max_lag
            if self.lag_seconds is not None and not self.usable:
                self.reason = f"lag {self.lag_seconds:.1f}s > {max_lag}s"
            return self.usable


def measure_lag() -> tuple[float | None, str]:
    """(lag in seconds, reason): (None, why) when the replica cannot be used at all."""
    try:
        connection = connections[REPLICA]
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except Exception as exc:  # unreachable, refused, timed out: the primary serves
        close_quietly(REPLICA)
        return None, f"unreachable: {type(exc).__name__}"
    if lag is None:
        return None, "not a replica (not in recovery)"
    return float(lag), "ok"


def close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except Exception:  # a dead server's socket may refuse even to close
        log.debug("closing %s failed", alias)


state = ReplicaState()


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def pin_to_primary() -> object:
    """Pin this request (or task) to the primary; returns the token for `unpin`."""
    return _pinned.set(True)


def unpin(token) -> None:
    _pinned.reset(token)


def is_pinned() -> bool:
    return _pinned.get()


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry: see the module docstring for the rules."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label not in settings.REPLICA_READ_APPS:
            return PRIMARY
        if _pinned.get() or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA if state.is_usable() else PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both aliases hold the same rows: a product read on the replica may be linked to an
        # order line written on the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica follows the primary's WAL; migrating it would fail (read-only) anyway.
        return db == PRIMARY


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sticky_cookie_name() -> str:
    # Over HTTPS the __Host- prefix: Secure, host-only, path=/, like the session cookie.
    return "__Host-primary" if settings.SESSION_COOKIE_SECURE else "primary"


class PinToPrimaryMiddleware:
    """A write pins its request, and that browser's next REPLICA_STICKY_SECONDS, to the primary.

    The cookie holds only the Unix time the pin ends: no identifier, nothing personal; it is
    necessary for the shop to show a customer what they just did (read-your-writes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not has_replica():
            return self.get_response(request)
        now = int(time.time())
        writes = request.method not in SAFE_METHODS
        try:
            pinned_until = int(request.COOKIES.get(sticky_cookie_name(), "0"))
        except ValueError:
            pinned_until = 0
        token = pin_to_primary() if writes or pinned_until > now else None
        try:
            response = self.get_response(request)
        finally:
            if token is not None:
                unpin(token)
        if writes:
            sticky = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                sticky_cookie_name(),
                str(now + sticky),
                max_age=sticky,
                path="/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class ReplicaFallbackMiddleware:
    """A GET whose replica query failed runs once more, on the primary.

    The router checks the replica only every few seconds, so a replica that dies between two
    checks fails the queries sent to it meanwhile: the failing request marks it down and is
    answered from the primary instead of with an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._metavast_replica_failed = False
        response = self.get_response(request)
        if request._metavast_replica_failed and request.method in SAFE_METHODS:
            token = pin_to_primary()
            try:
                response = self.get_response(request)
            finally:
                unpin(token)
        return response

    def process_exception(self, request, exception):
        from django.db import DatabaseError

        if not isinstance(exception, DatabaseError) or not has_replica():
            return None
        if is_pinned() or not _replica_broken(exception):
            return None
        state.mark_down(f"query failed: {type(exception).__name__}")
        close_quietly(REPLICA)
        if request.method not in SAFE_METHODS:
            return None
        request._metavast_replica_failed = True
        from django.http import HttpResponse

        return HttpResponse(status=503)  # replaced by the retry in __call__


def _replica_broken(exception) -> bool:
    """Did this error come from the replica's connection (rather than the primary's)?"""
    connection = connections[REPLICA]
    if connection.connection is None:
        return True  # it never connected, or was closed after the error
    try:
        return not connection.is_usable()
    except Exception:
        return True


def database_unavailable(exception: BaseException | None) -> bool:
    """True for the errors a down or restarting PostgreSQL raises (not for a bad query)."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, (OperationalError, InterfaceError))
