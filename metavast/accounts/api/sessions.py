"""Sessions over the API: where the customer is signed in, and ending those sessions."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from metavast.accounts.api._common import PRIVATE, _current_session, errors
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.models import UserSession
from metavast.accounts.services import sessions

router = Router()


class SessionOut(Schema):
    id: int
    kind: str
    device: str
    ip: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool


class CountOut(Schema):
    ended: int


@router.get(
    "/me/sessions",
    auth=token_or_session,
    response={200: list[SessionOut], **errors(*PRIVATE)},
    operation_id="accounts_list_sessions",
)
def sessions_endpoint(request):
    current = _current_session(request)
    return Status(
        200,
        [
            {
                "id": s.pk,
                "kind": s.kind,
                "device": s.device,
                "ip": s.ip,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "current": bool(current and current.pk == s.pk),
            }
            for s in UserSession.objects.of(request.auth).active()
        ],
    )


@router.post(
    "/me/sessions/revoke-others",
    auth=token_or_session,
    response={200: CountOut, **errors(*PRIVATE)},
    summary="بستن همهٔ نشست‌های دیگر",
    operation_id="accounts_revoke_other_sessions",
)
def sessions_revoke_others_endpoint(request):
    ended = sessions.sessions_revoke_others(
        user=request.auth, keep=_current_session(request), reason="user"
    )
    return Status(200, {"ended": ended})


@router.delete(
    "/me/sessions/{session_id}",
    auth=token_or_session,
    response={204: None, **errors(*PRIVATE)},
    summary="بستن یکی از نشست‌ها",
    operation_id="accounts_revoke_session",
)
def session_revoke_endpoint(request, session_id: int):
    sessions.session_revoke(
        user=request.auth, session_id=session_id, current=_current_session(request)
    )
    return Status(204, None)
