"""The JSON API: django-ninja at /api/v1/, one error shape for every 4xx.

Every client error is `{"code": str, "message": str (Persian), "fields": {name: [msg]}}`,
so apps handle one structure whatever went wrong.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from metavast.core.errors import INVISIBLE_CHARACTER, LINE_BREAK, DomainError

api = NinjaAPI(
    title="Metavast API",
    version="1",
    description="API فروشگاه متاوست. همهٔ خطاهای 4xx یک شکل دارند: code, message, fields.",
    urls_namespace="api",
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
