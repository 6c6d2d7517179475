"""The JSON API: django-ninja at /api/v1/, one error shape for every 4xx.

Every client error is `{"code": str, "message": str (Persian), "fields": {name: [msg]}}`,
so apps handle one structure whatever went wrong.

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

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from metavast.core.errors import INVISIBLE_CHARACTER, LINE_BREAK, DomainError

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


class MetavastAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return publishable(schema)


api = MetavastAPI(
    title="Metavast API",
    version="1",
    description=(
        "API فروشگاه متاوست. همهٔ خطاهای 4xx یک شکل دارند: code, message, fields."
        " همهٔ مبلغ‌ها عدد صحیح به ریال‌اند. راهنما: docs/api.md"
    ),
    urls_namespace="api",
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


def _field_name(loc) -> str:
    loc = tuple(loc)
    if len(loc) >= 3 and loc[0] == "body":
        # ("body", "payload", "first_name"): the view's parameter name means nothing to a
        # client; name the field as the body spells it, like the domain errors do.
        loc = loc[:1] + loc[2:]
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "cookie")]
    return ".".join(parts) or "__all__"


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
    return error_response(request, exc.status_code, "http_error", str(exc))


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
