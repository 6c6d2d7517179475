"""Tokens for apps: a short-lived signed access token and a revocable refresh token.

- Access token: `signing.dumps({"sid", "uid"})` with a timestamp, valid
  ACCESS_TOKEN_TTL_SECONDS; stateless to check, but it names its `UserSession`, and a
  revoked or expired session refuses it at once (one indexed lookup).
- Refresh token: 256 random bits; only its SHA-256 is stored. Each use rotates it with a
  conditional UPDATE on the old hash, so two racing refreshes cannot both win. Presenting a
  token that was already rotated away means someone kept a copy: the whole session ends.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from metavast.accounts.errors import TokenInvalid
from metavast.accounts.models import SessionKind, User, UserSession, token_hash
from metavast.audit.services import audit_record

ACCESS_SALT = "metavast.accounts.access"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_in: int
    session_id: int


def _access_for(row: UserSession) -> str:
    return signing.dumps({"sid": row.pk, "uid": row.user_id}, salt=ACCESS_SALT, compress=False)


def _pair(row: UserSession, refresh: str) -> TokenPair:
    return TokenPair(
        access=_access_for(row),
        refresh=refresh,
        access_expires_in=settings.ACCESS_TOKEN_TTL_SECONDS,
        session_id=row.pk,
    )


def app_session_start(*, user: User, method: str, user_agent: str, ip: str | None) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        row = UserSession.objects.create(
            user=user,
            kind=SessionKind.APP,
            refresh_hash=token_hash(refresh),
            user_agent=user_agent[:300],
            ip=ip,
            expires_at=now + dt.timedelta(days=settings.REFRESH_TOKEN_TTL_DAYS),
        )
        User.objects.filter(pk=user.pk).update(last_login=now)
        audit_record(
            action="accounts.signin",
            actor=user,
            subject=user,
            after={"method": method, "kind": "app"},
        )
    return _pair(row, refresh)


def app_session_refresh(*, refresh_token: str, ip: str | None) -> TokenPair:
    old_hash = token_hash(refresh_token or "")
    new = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        rotated = (
            UserSession.objects.active(now)
            .filter(kind=SessionKind.APP, refresh_hash=old_hash, user__is_active=True)
            .update(
                refresh_hash=token_hash(new),
                previous_refresh_hash=old_hash,
                last_seen_at=now,
                ip=ip,
            )
        )
        if rotated:
            row = UserSession.objects.get(refresh_hash=token_hash(new))
            return _pair(row, new)
        stolen = UserSession.objects.filter(
            previous_refresh_hash=old_hash, revoked_at__isnull=True
        ).first()
        if stolen is not None:
            UserSession.objects.filter(pk=stolen.pk).update(revoked_at=now, refresh_hash=None)
            audit_record(
                action="accounts.session_revoked",
                subject=stolen,
                after={"kind": "app", "reason": "refresh_token_reused"},
            )
    # Outside the block, so that ending a session whose old token came back is committed.
    raise TokenInvalid()


def access_token_session(token: str) -> UserSession | None:
    """The live session an access token belongs to, with its user, or None."""
    try:
        data = signing.loads(token, salt=ACCESS_SALT, max_age=settings.ACCESS_TOKEN_TTL_SECONDS)
        sid, uid = int(data["sid"]), int(data["uid"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    # `active()`'s rule for an app session, spelled out, and no ORDER BY for a primary key:
    # its OR for browser sessions and the model's ordering made building this query most of
    # the auth's CPU, on every API call (issue 16). Still one query, with the user.
    rows = (
        UserSession.objects.select_related("user")
        .filter(
            pk=sid,
            user_id=uid,
            kind=SessionKind.APP,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .order_by()[:1]
    )
    return next(iter(rows), None)


def app_session_end(*, row: UserSession) -> None:
    with transaction.atomic():
        UserSession.objects.filter(pk=row.pk).update(revoked_at=timezone.now(), refresh_hash=None)
        audit_record(action="accounts.signout", actor=row.user, subject=row.user)
