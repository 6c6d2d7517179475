"""The customer's sessions: where they are signed in, and ending those sessions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from metavast.accounts.models import UserSession
from metavast.accounts.services import sessions
from metavast.core.errors import DomainError
from metavast.core.http import no_store


@login_required
@require_GET
@no_store
def sessions_view(request):
    current = sessions.current_web_session(request)
    rows = list(UserSession.objects.of(request.user).active())
    return render(
        request,
        "accounts/sessions.html",
        {"rows": rows, "current_id": current.pk if current else None},
    )


@login_required
@require_POST
def session_revoke_view(request, pk: int):
    current = sessions.current_web_session(request)
    try:
        sessions.session_revoke(user=request.user, session_id=pk, current=current)
    except DomainError as exc:
        raise Http404 from exc
    if current is not None and current.pk == pk:
        return redirect("/")
    messages.success(request, "آن نشست بسته شد.")
    return redirect("accounts:sessions")


@login_required
@require_POST
def sessions_revoke_others_view(request):
    ended = sessions.sessions_revoke_others(
        user=request.user, keep=sessions.current_web_session(request), reason="user"
    )
    messages.success(request, f"{ended} نشست دیگر بسته شد.")
    return redirect("accounts:sessions")
