"""Who is acting and from where, for the current request or task.

The middleware fills this once per request; `audit_record()` and the IP logs read it,
so services need not thread the request through every call. Tasks start with it empty
(no IP), which is the truth for work that no client triggered directly.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext] = ContextVar("metavast_request", default=RequestContext())  # noqa: B039 (frozen)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
