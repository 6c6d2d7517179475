"""What several account pages share: the code flow kept in the session, form errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from metavast.accounts.services import sessions
from metavast.core import crypto
from metavast.core.errors import DomainError
from metavast.core.http import site_base_url

FLOW_KEY = "accounts_code_flow"


def _flow_set(request, *, mobile: str, purpose: str, next_url: str) -> None:
    # The mobile waits in the session encrypted, like everywhere else at rest.
    request.session[FLOW_KEY] = {"m": crypto.encrypt(mobile), "p": purpose, "n": next_url}


def _flow_get(request, purpose: str) -> tuple[str, str] | None:
    flow = request.session.get(FLOW_KEY)
    if not flow or flow.get("p") != purpose:
        return None
    try:
        return crypto.decrypt(flow["m"]), flow.get("n") or "/accounts/"
    except Exception:
        return None


def _flow_clear(request) -> None:
    request.session.pop(FLOW_KEY, None)


def _error(form, exc: Exception, field: str | None = None) -> None:
    if isinstance(exc, DomainError):
        form.add_error(field, str(exc.message))
    elif isinstance(exc, ValidationError):
        form.add_error(field, exc)
    else:  # pragma: no cover
        raise exc


def _base_url(request) -> str:
    return site_base_url(request)


def _keep_signed_in(request, user) -> None:
    sessions.web_session_keep_after_password(request=request, user=user)
