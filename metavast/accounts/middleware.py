"""Keeps each signed-in browser's `UserSession.last_seen_at` and IP current, cheaply.

After the response, at most once per SESSION_ACTIVITY_INTERVAL per session: a cache key
throttles the write. If the cache is down we write anyway (one UPDATE); the page must not
fail because of bookkeeping.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from metavast.accounts.services.sessions import web_session_touch

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
