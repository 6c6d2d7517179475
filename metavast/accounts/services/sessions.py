"""Signed-in sessions: start, track, end, list, for browsers and apps alike.

A browser session is Django's session (cookie) plus a `UserSession` row that points at its
key; ending it deletes the Django session, so the browser is signed out at its next request.
An app session is a `UserSession` row holding the hash of its refresh token; access tokens
name the row and die with it (see services.tokens).

The session id changes at sign-in (Django's `login` cycles it) and at every step-up
(`session_cycle`), and the row follows the new key.

Idle sessions end. The browser session carries the time of its last request
(ACTIVITY_SESSION_KEY, rewritten at most once per SESSION_ACTIVITY_INTERVAL so a busy page
does not save the session every time); a session older than that time plus the idle
timeout (SESSION_IDLE_TIMEOUT_STAFF_SECONDS for staff, ..._CUSTOMER_SECONDS for others) is
ended at its next request: row marked ended with reason "idle", Django session flushed.
Because the check happens on the request itself, a stolen cookie cannot outlive it.
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.db import transaction
from django.utils import timezone

from metavast.accounts.errors import StepUpRequired
from metavast.accounts.models import SessionKind, User, UserSession
from metavast.audit.services import audit_record
from metavast.core.clientip import request_ip
from metavast.core.errors import NotFound

BACKEND = "metavast.accounts.backends.AccountBackend"
STEPUP_SESSION_KEY = "accounts_stepup_at"
# Unix time of the browser session's last request (throttled, see the module docstring).
ACTIVITY_SESSION_KEY = "accounts_active_at"

# Why a session row ended (UserSession.ended_reason); sessions_revoke_others passes its own.
END_SIGNOUT = "signout"  # signed out on that browser or app
END_REVOKED = "revoked"  # ended from the sessions list
END_IDLE = "idle"  # no request for longer than the idle timeout


def _session_store(session_key: str):
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def web_session_start(*, request, user: User, method: str) -> UserSession:
    """Sign `user` in on this browser with a fresh session id; counts as a step-up."""
    with transaction.atomic():
        login(request, user, backend=BACKEND)
        request.session[STEPUP_SESSION_KEY] = request.session[ACTIVITY_SESSION_KEY] = time.time()
        row = UserSession.objects.create(
            user=user,
            kind=SessionKind.WEB,
            session_key=request.session.session_key,
            user_agent=_user_agent(request),
            ip=request_ip(request),
        )
        audit_record(action="accounts.signin", actor=user, subject=user, after={"method": method})
    return row


def web_session_end(*, request) -> None:
    user = request.user
    key = request.session.session_key
    with transaction.atomic():
        if key:
            UserSession.objects.filter(session_key=key, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), ended_reason=END_SIGNOUT
            )
        if user.is_authenticated:
            audit_record(action="accounts.signout", actor=user, subject=user)
    logout(request)


def web_session_touch(*, request) -> None:
    """Record that this browser session is alive (the middleware calls it, throttled)."""
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    ip = request_ip(request)
    updated = UserSession.objects.filter(session_key=key, revoked_at__isnull=True).update(
        last_seen_at=now, ip=ip
    )
    if not updated:
        # A session that began elsewhere (the admin's own login view): track it from now.
        UserSession.objects.get_or_create(
            session_key=key,
            defaults={
                "user": request.user,
                "kind": SessionKind.WEB,
                "user_agent": _user_agent(request),
                "ip": ip,
                "last_seen_at": now,
            },
        )


def session_cycle(*, request) -> None:
    """A new session id for this browser (after a step-up), keeping the row attached."""
    old = request.session.session_key
    request.session.cycle_key()
    new = request.session.session_key
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)


def stepup_mark(*, request) -> None:
    request.session[STEPUP_SESSION_KEY] = time.time()
    session_cycle(request=request)


def stepup_complete(*, request, method: str) -> None:
    """The signed-in person proved it again (password or code): fresh for a while."""
    with transaction.atomic():
        stepup_mark(request=request)
        audit_record(
            action="accounts.stepup",
            actor=request.user,
            subject=request.user,
            after={"method": method},
        )


def stepup_is_fresh(request) -> bool:
    at = request.session.get(STEPUP_SESSION_KEY)
    return bool(at) and time.time() - float(at) < settings.STEPUP_MAX_AGE


def stepup_require(request) -> None:
    if not stepup_is_fresh(request):
        raise StepUpRequired()


def _end(row: UserSession, now, reason: str) -> None:
    if row.kind == SessionKind.WEB and row.session_key:
        _session_store(row.session_key).delete()
    UserSession.objects.filter(pk=row.pk).update(
        revoked_at=now, refresh_hash=None, ended_reason=reason[:40]
    )


def session_revoke(*, user: User, session_id: int, current: UserSession | None = None) -> None:
    """End one of `user`'s sessions (never someone else's: the id is looked up in theirs)."""
    with transaction.atomic():
        row = UserSession.objects.of(user).filter(revoked_at__isnull=True, pk=session_id).first()
        if row is None:
            raise NotFound()
        _end(row, timezone.now(), END_REVOKED)
        audit_record(
            action="accounts.session_revoked",
            actor=user,
            subject=row,
            after={"kind": row.kind, "current": bool(current and current.pk == row.pk)},
        )


def sessions_revoke_others(*, user: User, keep: UserSession | None, reason: str) -> int:
    """End every session of `user` except `keep`; returns how many ended."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(UserSession.objects.of(user).filter(revoked_at__isnull=True))
        ended = 0
        for row in rows:
            if keep is not None and row.pk == keep.pk:
                continue
            _end(row, now, reason)
            ended += 1
        audit_record(
            action="accounts.sessions_revoked",
            actor=user,
            subject=user,
            after={"count": ended, "reason": reason},
        )
    return ended


def current_web_session(request) -> UserSession | None:
    key = request.session.session_key if hasattr(request, "session") else None
    if not key:
        return None
    return UserSession.objects.filter(session_key=key, revoked_at__isnull=True).first()


# --- Idle sessions -------------------------------------------------------------------------


def idle_timeout_seconds(user) -> int:
    """How long `user`'s browser session may sit idle: short for staff, long for customers."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return int(settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS)
    return int(settings.SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS)


def _last_active(request) -> float | None:
    """Unix time of this session's last request; from its row for sessions made before the
    session carried it (or by a login we do not own), None if nothing is known."""
    value = request.session.get(ACTIVITY_SESSION_KEY)
    if value is not None:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    key = request.session.session_key
    seen = (
        UserSession.objects.filter(session_key=key, revoked_at__isnull=True)
        .values_list("last_seen_at", flat=True)
        .first()
        if key
        else None
    )
    return seen.timestamp() if seen else None


def web_session_idle_seconds(request) -> float:
    """Seconds since this signed-in browser session's last request (0 when unknown)."""
    last = _last_active(request)
    return max(0.0, time.time() - last) if last is not None else 0.0


def web_session_is_idle(request) -> bool:
    return web_session_idle_seconds(request) > idle_timeout_seconds(request.user)


def web_session_mark_active(*, request) -> None:
    """Note this request as the session's latest activity, at most once per interval."""
    now = time.time()
    last = request.session.get(ACTIVITY_SESSION_KEY)
    try:
        fresh = last is not None and now - float(last) < settings.SESSION_ACTIVITY_INTERVAL
    except (TypeError, ValueError):
        fresh = False
    if not fresh:
        request.session[ACTIVITY_SESSION_KEY] = now


def web_session_end_idle(*, request) -> UserSession | None:
    """End this browser session for idleness: its row ended with reason "idle", the
    Django session flushed, the request anonymous from here on. Returns the row, if any."""
    user = request.user
    key = request.session.session_key
    idle = int(web_session_idle_seconds(request))
    timeout = idle_timeout_seconds(user)
    with transaction.atomic():
        row = (
            UserSession.objects.filter(session_key=key, revoked_at__isnull=True).first()
            if key
            else None
        )
        if row is not None:
            UserSession.objects.filter(pk=row.pk).update(
                revoked_at=timezone.now(), refresh_hash=None, ended_reason=END_IDLE
            )
        audit_record(
            action="accounts.session_idle_ended",
            actor=user,
            subject=row if row is not None else user,
            after={"idle_seconds": idle, "timeout_seconds": timeout, "staff": user.is_staff},
        )
    logout(request)  # flushes the Django session (new key, no data) and the user
    return row


def web_session_keep_after_password(*, request, user: User) -> None:
    """After a password change made here: stay signed in on this browser, with a new id."""
    old = request.session.session_key
    update_session_auth_hash(request, user)
    new = request.session.session_key
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)
