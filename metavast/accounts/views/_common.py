"""What several account pages share: the code flow kept in the session, form errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from metavast.accounts.navigation import safe_next
from metavast.accounts.services import sessions
from metavast.accounts.services.codes import code_times, mask_mobile
from metavast.core import crypto
from metavast.core.errors import DomainError
from metavast.core.http import site_base_url
from metavast.core.text import to_persian_digits

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


RETURN_KEY = "accounts_return_to"


def return_to_keep(request, next_url: str) -> None:
    """Where to go once a contact is confirmed (checkout sent the shopper here): kept in the
    session, because the code page and the emailed link come in between."""
    if next_url:
        request.session[RETURN_KEY] = next_url


def return_to_take(request) -> str:
    """The kept page, once, or the account home."""
    return safe_next(request, request.session.pop(RETURN_KEY, None), default="/accounts/")


def _error(form, exc: Exception, field: str | None = None) -> None:
    if isinstance(exc, DomainError):
        form.add_error(field, str(exc.message))
    elif isinstance(exc, ValidationError):
        # An error keyed by field names its own fields.
        form.add_error(None if hasattr(exc, "error_dict") else field, exc)
    else:  # pragma: no cover
        raise exc


def _base_url(request) -> str:
    return site_base_url(request)


def _keep_signed_in(request, user) -> None:
    sessions.web_session_keep_after_password(request=request, user=user)


def duration_text(seconds: int) -> str:
    """120 → «۲ دقیقه», 90 → «۱ دقیقه و ۳۰ ثانیه», 45 → «۴۵ ثانیه»."""
    minutes, rest = divmod(max(0, int(seconds)), 60)
    parts = []
    if minutes:
        parts.append(f"{to_persian_digits(minutes)} دقیقه")
    if rest or not minutes:
        parts.append(f"{to_persian_digits(rest)} ثانیه")
    return " و ".join(parts)


def code_page_context(*, mobile: str, purpose: str, edit_url: str, action_label: str) -> dict:
    """What accounts/code.html needs: the number, the code's exact lifetime (the same the SMS
    states), the seconds left and until a resend, and where to correct the number."""
    times = code_times(mobile=mobile, purpose=purpose)
    return {
        "masked": mask_mobile(mobile),
        "action_label": action_label,
        "lifetime_text": duration_text(times.lifetime),
        "expires_in": times.expires_in,
        "resend_in": times.resend_in,
        "resend_in_text": duration_text(times.resend_in),
        "edit_url": edit_url,
    }
