"""Where to send a browser next: only ever to a page of this site."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT_AFTER_SIGNIN = "/accounts/"


def safe_next(request, candidate: str | None, default: str = DEFAULT_AFTER_SIGNIN) -> str:
    """`candidate` if it is a local path on this host, else `default`.

    Django refuses schemes other than http(s), `//host`, `/\\host`, `https:host` and control
    characters; we also insist on a path starting with a single slash.
    """
    candidate = (candidate or "").strip()
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default
