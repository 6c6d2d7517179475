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

Suggestions while typing (`views.suggest`) are answered here even when they are not cached
(or the page cache is off): they are the same for every shopper (no cart, no account, no
cookie set) and a GET without side effects, so for a request without a session or messages
cookie the skipped middleware would do nothing for them either. Every key press is a new
prefix, so most of them miss the cache; on the normal path the middleware alone cost about
as much as the suggestion (issue 14). A request with a session cookie still goes the whole
way (its session is kept alive there), and so does any answer the early call fails to give.

Headers: the middleware that add headers or count the request on the normal path
(REPLAYED, in MIDDLEWARE's order) run around the early answer as well, so an early page
carries exactly the headers a late one does; the tests compare them header by header.
Every other middleware after this one must be listed in SKIPPED with why it may be
skipped (a test checks MIDDLEWARE against both lists).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse
from django.utils.cache import patch_vary_headers
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
# The catalog views whose stored answers are served early (`_cached` stores them).
VIEWS = frozenset({views.category, views.product, views.search_page})
# Views answered early whether or not their answer is cached (see the module's docstring),
# by URL name: their paths are compared before anything is resolved.
COMPUTED = ("catalog:suggest",)


class EarlyPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.early = self._replayed_around(self._from_cache)
        self.computed = self._replayed_around(self._from_view)

    @staticmethod
    def _replayed_around(handler):
        for path in reversed(REPLAYED):
            handler = import_string(path)(handler)
        return handler

    def __call__(self, request):
        # Only GET: the views refuse HEAD (require_GET) and that answer is the normal path's.
        if request.method != "GET":
            return self.get_response(request)
        if request.path_info in self.computed_paths and _without_session(request):
            return self._computed(request)
        if not views._cacheable(request):
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

    @functools.cached_property
    def computed_paths(self) -> frozenset[str]:
        # Not in __init__: the URLconf may not be loaded yet when the middleware is built.
        # As path_info: without the script prefix reverse() puts in front.
        # A URLconf without a name (a test's, a stripped-down site) serves none of them
        # early: an error here would turn every request into a 500.
        skip = len(get_script_prefix()) - 1
        paths = set()
        for name in COMPUTED:
            try:
                paths.add(reverse(name)[skip:])
            except NoReverseMatch:
                continue
        return frozenset(paths)

    def _computed(self, request):
        try:
            request.resolver_match = resolve(request.path_info)
            response = self.computed(request)
        except Exception:
            # A bad host, a view that failed: the normal path answers it as it always has.
            request.resolver_match = None
            return self.get_response(request)
        # On the normal path the session middleware adds this (the idle-session middleware
        # asks whether the user is signed in, which reads the session) after every REPLAYED
        # one but the outermost, which adds no header: so here, last. The stored pages' views
        # say it themselves.
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _from_view(request):
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)

    @staticmethod
    def _from_cache(request):
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if response.get("X-Catalog-Cache") != "hit":
            raise views.NotCached  # an answer the view built
        return response


def _without_session(request) -> bool:
    """No session or messages cookie: the skipped middleware have nothing to do. (A consent
    cookie changes the banner of a whole page, not a suggestion.)"""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES
