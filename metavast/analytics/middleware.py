"""Counting off the request path: the response is built first, then one event is queued.

The work done here is a few regular expressions, one SHA-256 and one RPUSH (or a deque
append without Redis); everything else (aggregating, writing tables) happens in the fold
task. ANALYTICS_ENABLED = False switches counting off (the benchmark compares both). A
failure to count never fails the page.
"""

from __future__ import annotations

import logging

from django.conf import settings

from metavast.analytics import buffer
from metavast.analytics.events import request_event

logger = logging.getLogger(__name__)


class AnalyticsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "ANALYTICS_ENABLED", True):
            try:
                event = request_event(request, response)
                if event is not None:
                    buffer.push(event)
            except Exception:
                logger.exception("analytics: event not counted")
        return response
