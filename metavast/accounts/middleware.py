"""Signed-in browser sessions: idle ones end, live ones keep their "last seen" current.

`IdleSessionMiddleware`, before the view: a session idle past its timeout (staff 30
minutes, customers SESSION_IDLE_TIMEOUT_CUSTOMER_SECONDS) is ended (services.sessions) and
the person is sent to sign in again, with the page they asked for as `next`. API calls go
on anonymous, so the API answers its own JSON 401.

`SessionActivityMiddleware`, after the response: `UserSession.last_seen_at` and IP, at most
once per SESSION_ACTIVITY_INTERVAL per session: a cache key throttles the write. If the
cache is down we write anyway (one UPDATE); the page must not fail because of bookkeeping.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpResponse

from metavast.accounts.services.sessions import (
    web_session_end_idle,
    web_session_is_idle,
    web_session_mark_active,
    web_session_touch,
)

log = logging.getLogger(__name__)


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return response
        key = session.session_key
        if not key:
            return response
        try:
            due = cache.add(f"accounts:seen:{key}", 1, timeout=settings.SESSION_ACTIVITY_INTERVAL)
        except Exception:
            due = True
        if due:
            try:
                web_session_touch(request=request)
            except Exception:
                log.exception("session activity could not be recorded")
        return response


IDLE_MESSAGE = "به دلیل مدتی بی‌فعالیتی، برای امنیت حساب از آن خارج شدید. لطفاً دوباره وارد شوید."


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not session.session_key or not user.is_authenticated:
            return self.get_response(request)
        if not web_session_is_idle(request):
            web_session_mark_active(request=request)
            return self.get_response(request)
        web_session_end_idle(request=request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # anonymous now: the API answers 401
        messages.info(request, IDLE_MESSAGE, fail_silently=True)
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into a fragment: make it load the page.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(request.get_full_path()).url
            return response
        return redirect_to_login(request.get_full_path())
