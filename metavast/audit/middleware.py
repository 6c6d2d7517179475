"""Refused staff writes leave a trace.

A staff member whose POST, PUT, PATCH or DELETE is answered 403 (an admin permission, a
CSRF failure, an API rule) is probing, or lacks a permission they need: either way the
audit trail should say so. Only the method and path are kept: no query string, no body,
and token-like path segments are cut. The row is written in its own transaction after the
response is ready, and a failure to write it never changes the response.
"""

from __future__ import annotations

import logging
import re

from django.db import transaction

from metavast.audit.services import audit_record

log = logging.getLogger(__name__)

_SAFE_METHODS = {"GET", "HEAD"}
# Path segments that look like secrets (reset links, signed tokens).
_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_\-:.=]{24,}")


def _safe_path(path: str) -> str:
    return _TOKEN_SEGMENT.sub("/[token]", path)[:300]


class StaffWriteRefusedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and request.method not in _SAFE_METHODS:
            self._record(request)
        return response

    @staticmethod
    def _record(request) -> None:
        try:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated or not user.is_staff:
                return
            with transaction.atomic():
                audit_record(
                    action="security.staff_write_refused",
                    actor=user,
                    after={"method": request.method[:10], "path": _safe_path(request.path)},
                )
        except Exception:
            log.exception("a refused staff write could not be audited")
