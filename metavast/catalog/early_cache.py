"""Cached catalog pages served early: before sessions, authentication, CSRF and messages.

A cached anonymous page (catalog/views.py `_cached`) used to pass through every middleware
of MIDDLEWARE before the view found it in the cache: a session store, a lazy user, CSRF,
OTP, messages, two session-activity checks, axes. For such a request (GET, no session,
messages or consent cookie: `views._cacheable`) none of them does anything, so
`EarlyPageCacheMiddleware`, placed right after the compression middleware, asks the view
itself for the stored page and answers at once.

The view decides as always (same key, same headers, same search-miss count), only it is
told not to render: on a miss it raises `views.NotCached` and the request goes on down
the normal path, which reuses the lookup's answer instead of asking the cache again.

Headers: the middleware that add headers or count the request on the normal path
(REPLAYED, in MIDDLEWARE's order) run around the early answer as well, so an early page
carries exactly the headers a late one does; the tests compare them header by header.
Every other middleware after this one must be listed in SKIPPED with why it may be
skipped (a test checks MIDDLEWARE against both lists).
"""

from __future__ import annotations

from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

from metavast.catalog import views

# Run around an early answer, as on the normal path: the request's IP for analytics,
# Content-Language and Vary: Accept-Language, ALLOWED_HOSTS and Content-Length,
# X-Frame-Options, Content-Security-Policy, Permissions-Policy and CORP, analytics counting.
REPLAYED = (
    "metavast.core.middleware.ClientIPMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "metavast.core.middleware.SecurityHeadersMiddleware",
    "metavast.analytics.middleware.AnalyticsMiddleware",
)
# No-ops for a GET without a session cookie that the view answers from the cache (it reads
# neither the session nor the user), so they are skipped.
SKIPPED = {
    "django.contrib.sessions.middleware.SessionMiddleware": "no session cookie, none read",
    "django.middleware.csrf.CsrfViewMiddleware": "a GET; the stored page sets no cookie",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "the user is never read",
    "django_otp.middleware.OTPMiddleware": "the user is never read",
    "metavast.audit.middleware.StaffWriteRefusedMiddleware": "only for writes",
    "metavast.accounts.middleware.SessionActivityMiddleware": "only for a signed-in session",
    "django.contrib.messages.middleware.MessageMiddleware": "no messages cookie",
    "metavast.accounts.middleware.IdleSessionMiddleware": "only for a signed-in session",
    "axes.middleware.AxesMiddleware": "only after a failed sign-in",
}
# The catalog views whose answers `_cached` stores.
VIEWS = frozenset({views.category, views.product, views.search_page, views.suggest})


class EarlyPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        handler = self._from_cache
        for path in reversed(REPLAYED):
            handler = import_string(path)(handler)
        self.early = handler

    def __call__(self, request):
        # Only GET: the views refuse HEAD (require_GET) and that answer is the normal path's.
        if request.method != "GET" or not views._cacheable(request):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.func not in VIEWS:
            return self.get_response(request)
        request.resolver_match = match
        setattr(request, views.EARLY_ATTRIBUTE, True)
        try:
            return self.early(request)
        except views.NotCached:
            # After a miss the attribute holds the lookup's answer for the normal path.
            if getattr(request, views.EARLY_ATTRIBUTE) is True:
                setattr(request, views.EARLY_ATTRIBUTE, None)
        except Exception:
            # A bad host, a malformed query: the normal path answers it as it always has.
            setattr(request, views.EARLY_ATTRIBUTE, None)
        request.resolver_match = None
        return self.get_response(request)

    @staticmethod
    def _from_cache(request):
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if response.get("X-Catalog-Cache") != "hit":
            raise views.NotCached  # an answer the view built (a short suggestion query)
        return response
