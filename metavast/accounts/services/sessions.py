"""Signed-in sessions: start, track, end, list, for browsers and apps alike.

A browser session is Django's session (cookie) plus a `UserSession` row that points at its
key; ending it deletes the Django session, so the browser is signed out at its next request.
An app session is a `UserSession` row holding the hash of its refresh token; access tokens
name the row and die with it (see services.tokens).

The session id changes at sign-in (Django's `login` cycles it) and at every step-up
(`session_cycle`), and the row follows the new key.
"""

from __future__ import annotations

import datetime as dt
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


def _session_store(session_key: str):
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def web_session_start(*, request, user: User, method: str) -> UserSession:
    """Sign `user` in on this browser with a fresh session id; counts as a step-up."""
    with transaction.atomic():
        login(request, user, backend=BACKEND)
        request.session[STEPUP_SESSION_KEY] = time.time()
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
                revoked_at=timezone.now()
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


def _end(row: UserSession, now) -> None:
    if row.kind == SessionKind.WEB and row.session_key:
        _session_store(row.session_key).delete()
    UserSession.objects.filter(pk=row.pk).update(revoked_at=now, refresh_hash=None)


def session_revoke(*, user: User, session_id: int, current: UserSession | None = None) -> None:
    """End one of `user`'s sessions (never someone else's: the id is looked up in theirs)."""
    with transaction.atomic():
        row = UserSession.objects.of(user).filter(revoked_at__isnull=True, pk=session_id).first()
        if row is None:
            raise NotFound()
        _end(row, timezone.now())
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
            _end(row, now)
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


def web_session_keep_after_password(*, request, user: User) -> None:
    """After a password change made here: stay signed in on this browser, with a new id."""
    old = request.session.session_key
    update_session_auth_hash(request, user)
    new = request.session.session_key
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)


def sessions_purge(*, older_than_days: int) -> int:
    """Delete ended or idle session rows (with their IP and device) past the IP retention."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        live = UserSession.objects.active().values("pk")
        deleted, _ = (
            UserSession.objects.filter(last_seen_at__lt=cutoff).exclude(pk__in=live).delete()
        )
    return deleted
