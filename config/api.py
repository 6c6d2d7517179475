"""The JSON API: django-ninja at /api/v1/, one error shape for every 4xx.

Every client error is `{"code": str, "message": str (Persian), "fields": {name: [msg]}}`,
so apps handle one structure whatever went wrong. That includes what the framework itself
refuses before a view runs: a body that is not JSON (`invalid_json`, or
`unsupported_media_type` when it was not even sent as JSON), a method the path does not
take (`method_not_allowed`), a path under /api/v1/ that does not exist (`not_found`) and any
`HttpError`; their English texts never reach a client (`_FRAMEWORK_ERRORS`).

The published schema is what apps generate their clients from (docs/api.md), so it is
finished here, in one place, by rules every operation follows (`publishable`):
- an operation that takes no credentials says so (`security: []`);
- every operation answers any 4xx in the one error shape (`4XX`), besides the codes it names,
  since the request-size middleware and the CSRF check can refuse any of them;
- a request body shows its schema's first example;
- components no operation reaches are dropped (ninja keeps the query models it flattened).
Operation ids are `<tag>_<verb>[_<object>]` (the object is left out when it is the tag's own
thing: `orders_list`, `checkout_place_order`), written on each endpoint so that renaming a
view function never renames a generated client's method; the list is frozen in
metavast/core/tests/test_api_schema_rules.py, so changing one is a deliberate act.
"""

from __future__ import annotations

import functools
import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from metavast.core.errors import (
    INVISIBLE_CHARACTER,
    LINE_BREAK,
    DomainError,
    RequestTooLarge,
)

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _walk_refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _walk_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_refs(value, found)


def _reachable(schema: dict) -> set[str]:
    """Component schemas the paths reach, directly or through other components."""
    components = schema["components"]["schemas"]
    found: set[str] = set()
    _walk_refs(schema["paths"], found)
    todo = list(found)
    while todo:
        inner: set[str] = set()
        _walk_refs(components.get(todo.pop(), {}), inner)
        todo.extend(inner - found)
        found |= inner
    return found


def publishable(schema: dict) -> dict:
    """The schema as apps read it: the rules in this module's docstring, applied."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation.setdefault("security", [])  # ninja writes it only for authenticated ones
            operation["responses"].setdefault(
                "4XX",
                {
                    "description": "هر خطای دیگر درخواست، با همان شکل یکتای خطا",
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                examples = components.get(ref.rsplit("/", 1)[-1], {}).get("examples")
                if examples and "example" not in media:
                    media["example"] = examples[0]
    keep = _reachable(schema)
    for name in list(components):
        if name not in keep:
            del components[name]
    return schema


class InvalidJSON(DomainError):
    code = "invalid_json"
    status = 400
    message = "بدنهٔ درخواست JSON معتبر نیست؛ آن را به‌صورت JSON با نویسه‌های UTF-8 بفرستید."


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    message = "بدنهٔ درخواست باید JSON باشد و با Content-Type: application/json فرستاده شود."


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405
    message = "این نشانی این روش درخواست (متد HTTP) را نمی‌پذیرد."


class NoSuchEndpoint(DomainError):
    code = "not_found"
    status = 404
    message = "چنین نشانی‌ای در API نیست."


# What the framework refuses with its own English text (ninja's HttpError: an unreadable
# body, "Too many requests.", "Forbidden", ...), said in Persian with a code per status.
_FRAMEWORK_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "درخواست نامعتبر است."),
    401: ("unauthenticated", "ابتدا وارد حساب خود شوید."),
    403: ("forbidden", "اجازهٔ این کار را ندارید."),
    404: ("not_found", "پیدا نشد."),
    405: (MethodNotAllowed.code, MethodNotAllowed.message),
    413: (RequestTooLarge.code, RequestTooLarge.message),
    415: (UnsupportedMediaType.code, UnsupportedMediaType.message),
    429: ("too_many_requests", "درخواست‌ها بیش از اندازه است؛ کمی بعد دوباره تلاش کنید."),
}
_FRAMEWORK_ERROR_OTHER = ("request_refused", "درخواست پذیرفته نشد.")


def _declares_json(request) -> bool:
    content_type = (request.content_type or "").lower()
    return not content_type or content_type == "application/json" or content_type.endswith("+json")


class JSONBodyParser(Parser):
    """Ninja's JSON parser, with a reason when the body cannot be read.

    Ninja wraps whatever this raises in `HttpError(400, "Cannot parse request body")`;
    the domain error rides along as its cause and `on_http_error` answers with it."""

    def parse_body(self, request):
        try:
            return json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, nesting too deep
            if _declares_json(request):
                raise InvalidJSON() from exc
            raise UnsupportedMediaType() from exc


def _in_error_shape(view):
    """What ninja's URL views answer outside an operation, in the one error shape: a method
    no operation of the path takes (a bare text 405 "Method not allowed", Allow kept), and
    the Http404 of its root view (Django's HTML page otherwise).

    Exempt from Django's CSRF middleware, as ninja makes its operations (the session auth
    checks CSRF itself): its root and schema views change nothing, and a POST to them must
    not get Django's English CSRF page."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # operations answer their own 404s; this is the root's
            return no_such_endpoint(request)
        if isinstance(response, HttpResponseNotAllowed):
            refused = error_response(
                request, MethodNotAllowed.status, MethodNotAllowed.code, MethodNotAllowed.message
            )
            refused["Allow"] = response["Allow"]
            return refused
        return response

    return wrapper


@csrf_exempt  # nothing to protect, and a POST must get this 404, not the CSRF page
def no_such_endpoint(request, *args, **kwargs):
    error = NoSuchEndpoint()
    return error_response(request, error.status, error.code, error.message)


class MetavastAPI(NinjaAPI):
    @property
    def urls(self):
        """Ninja's URLs in the error shape (`_in_error_shape`) and, last, a JSON 404 for any
        other path under the API's prefix (Django's would be the storefront's HTML page)."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _in_error_shape(pattern.callback)
        patterns.append(re_path(r"", no_such_endpoint, name="no-such-endpoint"))
        return patterns, app_name, namespace

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return publishable(schema)

    def validation_error_from_error_contexts(self, error_contexts):
        """Ninja's errors, with the view's body parameter taken out of each location.

        A view with one body parameter (`payload: ReviewIn`) gets the whole body in it, so
        ninja locates a field at ("body", "payload", "title"); the client never wrote
        "payload". Only the model knows whether it wraps the body that way, so it is dropped
        here rather than guessed from the location's shape."""
        exc = super().validation_error_from_error_contexts(error_contexts)
        errors = iter(exc.errors)
        for context in error_contexts:
            wrapper = getattr(context.model, "__read_from_single_attr__", None)
            for _ in range(context.pydantic_validation_error.error_count()):
                err = next(errors)
                loc = tuple(err.get("loc", ()))
                if wrapper and loc[:2] == ("body", wrapper):
                    err["loc"] = loc[:1] + loc[2:]
        return exc


api = MetavastAPI(
    title="Metavast API",
    version="1",
    description=(
        "API فروشگاه متاوست. همهٔ خطاهای 4xx یک شکل دارند: code, message, fields."
        " همهٔ مبلغ‌ها عدد صحیح به ریال‌اند. راهنما: docs/api.md"
    ),
    urls_namespace="api",
    parser=JSONBodyParser(),
    # Paths already carry /api/v1: the server is the site itself, wherever it is served.
    servers=[{"url": "/", "description": "همین سایت"}],
    openapi_extra={
        "info": {
            "license": {"name": "Proprietary: use under the store's terms", "url": "/p/terms/"}
        }
    },
)


def error_response(request, status: int, code: str, message: str, fields=None):
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


_SOURCES = frozenset({"body", "query", "path", "form", "header", "cookie", "file"})


def _field_name(loc) -> str:
    """The field as the client spells it: ("body", "items", 0, "quantity") →
    "items.0.quantity"; the body as a whole → "__all__".

    Only the first element is the source: a field may itself be called "body" (the text of
    a review or a question) and keeps its key."""
    loc = tuple(loc)
    if loc and loc[0] in _SOURCES:
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "__all__"


# Errors whose message is already Persian and says what to fix (core.schemas.InputSchema).
_SPEAKING_ERRORS = frozenset({INVISIBLE_CHARACTER, LINE_BREAK})


def _field_message(err: dict) -> str:
    if err.get("type") in _SPEAKING_ERRORS:
        return str(err.get("msg"))
    if err.get("type") == "missing":
        return "این فیلد لازم است."
    return "مقدار این فیلد معتبر نیست."


@api.exception_handler(NinjaValidationError)
def on_validation(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(_field_message(err))
    return error_response(request, 422, "invalid_input", "ورودی نامعتبر است.", fields)


@api.exception_handler(DjangoValidationError)
def on_django_validation(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    return error_response(request, 422, "invalid_input", "ورودی نامعتبر است.", fields)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, str(exc.message), exc.fields)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", "پیدا نشد.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error_response(request, 403, "forbidden", "اجازهٔ این کار را ندارید.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, "unauthenticated", "ابتدا وارد حساب خود شوید.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # JSONBodyParser's reason
        return on_domain_error(request, exc.__cause__)
    # The framework's own text is English and not for customers: a Persian one per status.
    code, message = _FRAMEWORK_ERRORS.get(exc.status_code, _FRAMEWORK_ERROR_OTHER)
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request, exc):
    # A body under the request-size middleware's limit but over DATA_UPLOAD_MAX_MEMORY_SIZE,
    # refused by Django when ninja reads it: a 413 like the middleware's, not a 400 page.
    return on_domain_error(request, RequestTooLarge())


def mount_routers() -> None:
    """Each app contributes its router here; imported once by config.urls."""
    from metavast.accounts.api import router as accounts_router
    from metavast.cart.api import router as cart_router
    from metavast.catalog.api import router as catalog_router
    from metavast.checkout.api import router as checkout_router
    from metavast.consent.api import router as consent_router
    from metavast.invoices.api import router as invoices_router
    from metavast.orders.api import router as orders_router
    from metavast.payments.api import router as payments_router
    from metavast.privacy.api import router as privacy_router
    from metavast.reviews.api import router as reviews_router
    from metavast.storefront.api import router as storefront_router

    api.add_router("/", storefront_router)
    api.add_router("/accounts", accounts_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/cart", cart_router)
    api.add_router("/checkout", checkout_router)
    api.add_router("/orders", orders_router)
    api.add_router("/payments", payments_router)
    api.add_router("/", invoices_router)
    api.add_router("/privacy", privacy_router)
    api.add_router("/reviews", reviews_router)
    api.add_router("/consent", consent_router)


mount_routers()
