from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from metavast.core import context
from metavast.core.clientip import client_ip
from metavast.core.errors import DomainError, LengthRequired, RequestTooLarge


class ClientIPMiddleware:
    """Sets request.client_ip once, and the request context audit records read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip(request.META)
        token = context.set_current(
            context.RequestContext(
                ip=request.client_ip,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than REQUEST_BODY_MAX_BYTES before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE covers only the non-file parts of a form: without this, a
    50 MB multipart POST to any form view was read whole (to a temporary file) and parsed.
    Paths under REQUEST_BODY_UPLOAD_PATHS (the admin's product forms, which carry several
    images of up to 8 MB each) get REQUEST_BODY_UPLOAD_MAX_BYTES instead.

    The decision is made on Content-Length, so nothing of the body is read. A body without
    one (chunked) is refused with 411: Django's WSGI handler would read none of it anyway,
    so such a request could only ever arrive as an empty form. Early in MIDDLEWARE: no
    session is loaded and no cookie is set for a refused request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    @staticmethod
    def limit_for(path: str) -> int:
        if any(path.startswith(prefix) for prefix in settings.REQUEST_BODY_UPLOAD_PATHS):
            return settings.REQUEST_BODY_UPLOAD_MAX_BYTES
        return settings.REQUEST_BODY_MAX_BYTES

    def _refusal(self, request) -> HttpResponse | None:
        raw = (request.META.get("CONTENT_LENGTH") or "").strip()
        if raw:
            if not (raw.isascii() and raw.isdigit()):
                return refusal_response(request, LengthRequired())
            if int(raw) > self.limit_for(request.path_info):
                return refusal_response(request, RequestTooLarge())
            return None
        if request.META.get("HTTP_TRANSFER_ENCODING"):
            return refusal_response(request, LengthRequired())
        return None


def refusal_response(request, error: DomainError) -> HttpResponse:
    """A structured error for the API, a Persian page for everyone else."""
    status = error.status
    if request.path_info.startswith("/api/"):
        body = json.dumps(
            {"code": error.code, "message": str(error.message), "fields": {}}, ensure_ascii=False
        )
        response = HttpResponse(body, status=status, content_type="application/json")
    else:
        # Rendered without the request: no context processor may touch the session or user.
        html = render_to_string("core/request_refused.html", {"message": error.message})
        response = HttpResponse(html, status=status)
    # This answer leaves before the CSP and framing middleware: give it their headers.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self';"
        " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response["X-Frame-Options"] = "DENY"
    response["Cache-Control"] = "no-store"
    return response


class ApiNoStoreMiddleware:
    """API answers are personal whenever the request carries credentials: no cache keeps them.

    Every /api/ response gets `Vary: Authorization, Cookie`. A request with a bearer token
    (any Authorization header), the session cookie or a signed-in user gets
    `Cache-Control: no-store, private`, errors included, whatever the view set. Anonymous
    answers without their own Cache-Control get no-store as well (a token endpoint answers an
    anonymous request with tokens); an anonymous endpoint that may be cached says so itself.
    Outermost but for SecurityMiddleware, so it also sees the 413, CSRF and 500 answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/api/"):
            return response
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if _carries_credentials(request):
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
            if "Expires" in response:
                del response["Expires"]
        elif "Cache-Control" not in response:
            patch_cache_control(response, no_store=True)
        return response


def _carries_credentials(request) -> bool:
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PageGZipMiddleware(GZipMiddleware):
    """Compress pages, never API answers.

    Pages: the first visit on a phone is measured compressed (issue 15). The API is left
    alone: its answers carry sign-in tokens and codes beside data the client chose
    (the BREACH pattern, against which Django's padding is a mitigation, not a cure), they
    are small JSON, and generated clients and schema tests read them as sent.
    """

    def process_response(self, request, response):
        if request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
