"""The server-side gate every feature asks before setting anything non-necessary.

    from metavast.consent.gate import allows
    if allows(request, CookieCategory.ANALYTICS):
        response.set_cookie(...)            # or render the beacon's <script src>

`allows` is True for the necessary category, and for another category only when the
visitor's current choice (made under today's COOKIE_POLICY_VERSION) granted it. The choice
is the signed cookie's; for a signed-in customer the newest of the cookie and their latest
ConsentRecord wins, so a choice made on one device follows the account to the next. Nothing
is granted by default: no choice means no.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from metavast.consent import cookie, registry
from metavast.consent.cookie import Choice
from metavast.consent.models import ConsentRecord, CookieCategory

_CACHE_ATTR = "_consent_choice"


def _record_choice(user) -> Choice | None:
    record = ConsentRecord.objects.for_user(user).current_version().latest_first().first()
    if record is None:
        return None
    return Choice(
        granted=frozenset(record.granted),
        offered=frozenset(record.offered),
        policy_version=record.policy_version,
        decided_at=record.created_at,
    )


def current_choice(request: HttpRequest) -> Choice | None:
    """The visitor's choice under today's policy version, or None; read once per request."""
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    choice = cookie.decode(request.COOKIES.get(settings.CONSENT_COOKIE_NAME))
    if choice is not None and not choice.is_current:
        choice = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        stored = _record_choice(user)
        if stored is not None and (choice is None or stored.decided_at > choice.decided_at):
            choice = stored
    setattr(request, _CACHE_ATTR, choice)
    return choice


def allows(request: HttpRequest, category: str) -> bool:
    if category == CookieCategory.NECESSARY:
        return True
    choice = current_choice(request)
    return choice is not None and category in choice.granted


def needs_banner(request: HttpRequest) -> bool:
    """Only while some feature uses a non-necessary category the visitor was not yet asked
    about (no choice, an old policy version, or a category added since)."""
    in_use = registry.categories_in_use()
    if not in_use:
        return False
    choice = current_choice(request)
    return choice is None or not set(in_use) <= choice.offered


def forget(request: HttpRequest) -> None:
    """Drop the per-request cache after the choice changed in this request."""
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)
