"""A request id that follows a request into the log lines and the Celery tasks it causes.

nginx gives every request an id ($request_id, sent as X-Request-ID); the app takes it only
from a trusted proxy (TRUSTED_PROXIES, as for X-Forwarded-For), else makes its own, so a
client cannot choose the id its request is logged under. The id is echoed in the response's
X-Request-ID, added to every log record (`RequestIdFilter`), sent with every task published
during the request (a message header) and restored in the worker while the task runs: one
grep over the app nodes' and the workers' logs finds everything one click did.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from contextvars import ContextVar

HEADER = "X-Request-ID"
TASK_HEADER = "metavast_request_id"
_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")

log = logging.getLogger(__name__)
_current: ContextVar[str] = ContextVar("metavast_request_id", default="")


def current() -> str:
    return _current.get()


def set_current(value: str):
    return _current.set(value)


def reset(token) -> None:
    _current.reset(token)


def new_id() -> str:
    # 32 random hex digits, like uuid4().hex without building a UUID (every request pays it).
    return os.urandom(16).hex()


def from_request(meta: dict) -> str:
    offered = meta.get("HTTP_X_REQUEST_ID", "")
    if offered and _VALID.match(offered) and _peer_is_trusted(meta.get("REMOTE_ADDR") or ""):
        return offered
    return new_id()


@functools.lru_cache(maxsize=256)
def _trusted_peer(remote_addr: str, proxies: tuple) -> bool:
    # Imported here: config/celery.py imports this module before Django's apps are ready.
    from metavast.core.clientip import _parse, _trusted

    peer = _parse(remote_addr)
    return peer is not None and _trusted(peer)


def _peer_is_trusted(remote_addr: str) -> bool:
    """Behind nginx every request comes from the same few proxy addresses: the answer is
    kept per address (and per TRUSTED_PROXIES, which tests change)."""
    from django.conf import settings

    return _trusted_peer(remote_addr, tuple(settings.TRUSTED_PROXIES))


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = from_request(request.META)
        token = set_current(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current()
        return True


def connect_celery_signals() -> None:
    """Carry the id in published task messages; restore it while the task runs."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    def add_header(headers=None, **kwargs) -> None:
        if headers is not None and current():
            headers[TASK_HEADER] = current()

    def restore(task=None, **kwargs) -> None:
        request = getattr(task, "request", None)
        value = getattr(request, TASK_HEADER, None) or (
            (getattr(request, "headers", None) or {}).get(TASK_HEADER)
        )
        task._metavast_request_id_token = set_current(value or "")
        # One line per task that names the request it came from (the filter adds the id).
        log.info("task started", extra={"task": getattr(task, "name", "")})

    def clear(task=None, **kwargs) -> None:
        token = getattr(task, "_metavast_request_id_token", None)
        if token is not None:
            try:
                reset(token)
            except ValueError:  # set in another context (eager task in a thread)
                set_current("")
            task._metavast_request_id_token = None

    before_task_publish.connect(add_header, weak=False)
    task_prerun.connect(restore, weak=False)
    task_postrun.connect(clear, weak=False)
