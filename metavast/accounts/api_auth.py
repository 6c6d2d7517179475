"""How the API knows who is calling: an app's bearer access token, or the browser session.

The session needs Django's CSRF check on unsafe methods (a page of another site could
otherwise post with the customer's cookie); a bearer token cannot be sent by another site,
so it needs none. An anonymous caller gets 401, not a CSRF 403.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from metavast.accounts.errors import CsrfFailed
from metavast.accounts.models import UserSession
from metavast.accounts.services.tokens import access_token_session
from metavast.core.clientip import request_ip

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class AccessTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        row = access_token_session(token)
        if row is None:
            return None
        request.app_session = row
        now = timezone.now()
        if (now - row.last_seen_at).total_seconds() > settings.SESSION_ACTIVITY_INTERVAL:
            UserSession.objects.filter(pk=row.pk).update(last_seen_at=now, ip=request_ip(request))
        return row.user


class SessionCsrfAuth(APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise CsrfFailed()
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


token_or_session = [AccessTokenAuth(), SessionCsrfAuth()]
