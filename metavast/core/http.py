from __future__ import annotations

from functools import wraps

from django.utils.cache import add_never_cache_headers, patch_cache_control


def no_store(view):
    """For pages with personal data: no shared or browser cache may keep them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return wrapper


def site_base_url(request) -> str:
    """The store's own address for links that leave the site (emails, SMS, gateway
    callbacks): SITE_URL when set, so a forged Host header cannot choose it; else the
    request's host, which ALLOWED_HOSTS has already vetted."""
    from django.conf import settings

    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/") + "/"
