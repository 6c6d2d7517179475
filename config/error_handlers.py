"""handler500: a database that is down or restarting answers a Persian 503, not a 500.

Django calls handler500 from inside its `except` block, so the exception is still in
sys.exc_info(). PostgreSQL restarting (a failover, a minor upgrade) raises OperationalError
or InterfaceError: the shopper gets «چند لحظه در دسترس نیست» with Retry-After, nginx may
try the other node for an idempotent request, and service resumes by itself once the
database is back (CONN_HEALTH_CHECKS reopens the connections). Any other error is a 500.
"""

from __future__ import annotations

import sys

from django.http import HttpResponse
from django.template import loader

from metavast.core.db_router import database_unavailable
from metavast.storefront.views import error_500

RETRY_AFTER_SECONDS = 5


def server_error(request):
    if database_unavailable(sys.exc_info()[1]):
        # No context processors: they would query the database that is missing.
        body = loader.get_template("503.html").render({})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return error_500(request)
