"""The cart page and its buttons: plain forms, POST then redirect back to the cart."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from metavast.cart import services
from metavast.cart.errors import LineNotFound
from metavast.cart.forms import parse_id, parse_quantity
from metavast.cart.pricing import price_cart
from metavast.cart.templatetags.cart_forms import DISCOUNT_ATTEMPT_KEY
from metavast.cart.web import request_cart, request_cart_count
from metavast.catalog.errors import VariantNotFound
from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.promotions.errors import DiscountNotApplicable


def _same_origin(request) -> bool:
    """Whether the browser says this POST comes from one of our own pages.

    Browsers send Origin with every POST (Referer when an old one does not); another site
    cannot forge either. A value naming another origin, or "null" (a sandboxed frame, a
    page with no-referrer), is refused. Over HTTPS one of the two is required, as Django's
    own CSRF check requires; a request with neither over plain HTTP comes from no browser
    page, so it has no cookie of a victim to ride on.
    """
    origin = request.headers.get("Origin")
    source = origin if origin is not None else request.headers.get("Referer")
    if not source:
        return not request.is_secure()
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    claimed = f"{parts.scheme}://{parts.netloc}".lower()
    own = f"{request.scheme}://{request.get_host()}".lower()
    trusted = {o.lower().rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS}
    return claimed == own or claimed in trusted


@require_GET
@no_store
def cart_view(request):
    cart = request_cart(request)
    return render(
        request,
        "cart/cart.html",
        {"priced": price_cart(cart), "max_quantity": services.max_line_quantity()},
    )


# Why "add to cart" is CSRF-exempt, and why that is safe:
# - The product page is cached whole for guests (metavast.catalog.views._cached) and served
#   to every guest alike, so its "add" form cannot carry a per-visitor CSRF token: a token
#   sets the csrftoken cookie, and a page that sets a cookie is never stored in the cache.
# - A cross-site POST cannot ride on the visitor's cart: the session cookie is SameSite=Lax
#   (and __Host- in production), so the browser sends none with another site's POST, and
#   `_same_origin` refuses it anyway when Origin or Referer names another site, before the
#   session is touched (no new session, no cookie, no cart line).
# - The worst a forged request can do is add a line to a cart the forger owns; prices and
#   stock are checked by the service. Every other cart and checkout form has a token.
@csrf_exempt
@require_POST
def add_view(request):
    if not _same_origin(request):
        raise PermissionDenied
    # From the product page through htmx: stay on the page, answer with a toast (the
    # mini-cart) and the header's new count. Without JavaScript: the cart page.
    in_page = request.headers.get("HX-Request") == "true"
    variant_id = parse_id(request.POST.get("variant"))
    try:
        quantity = parse_quantity(request.POST.get("quantity"), default=1)
        if variant_id is None:
            raise VariantNotFound()
        cart = request_cart(request, create=True)
        line = services.cart_add(cart=cart, variant_id=variant_id, quantity=quantity)
    except DomainError as exc:
        if in_page:
            return _toast(request, error=exc.message)
        messages.error(request, exc.message)
    else:
        if in_page:
            return _toast(request, line=line)
        messages.success(request, "به سبد خرید اضافه شد.")
    return redirect("cart:detail")


def _toast(request, *, line=None, error: str = ""):
    """The answer to an in-page add: never cached, and 200 even for a refusal, so htmx shows
    the reason where the shopper is looking."""
    context = {"line": line, "error": error, "count": request_cart_count(request), "oob": True}
    if line is not None:
        context["product"] = line.variant.product
    response = render(request, "cart/partials/toast.html", context)
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_POST
def update_view(request, variant_id: int):
    cart = request_cart(request)
    try:
        quantity = parse_quantity(request.POST.get("quantity"))
        if cart is None:
            raise LineNotFound()
        services.cart_set_quantity(cart=cart, variant_id=variant_id, quantity=quantity)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cart:detail")


@require_POST
def remove_view(request, variant_id: int):
    cart = request_cart(request)
    try:
        if cart is None:
            raise LineNotFound()
        services.cart_remove(cart=cart, variant_id=variant_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cart:detail")


@require_POST
def acknowledge_view(request):
    cart = request_cart(request)
    if cart is not None:
        services.cart_acknowledge_changes(cart=cart)
    return redirect("cart:detail")


def _back(request):
    """Back to the cart, or to the checkout review when the form was there."""
    target = request.POST.get("next", "")
    return redirect(target if target == reverse("checkout:review") else "cart:detail")


@require_POST
def discount_apply_view(request):
    cart = request_cart(request)
    try:
        if cart is None:
            raise DiscountNotApplicable()
        services.cart_apply_discount_code(cart=cart, code=request.POST.get("code", ""))
    except DomainError as exc:
        # Shown beside the field with the code as typed, so the shopper can correct it.
        request.session[DISCOUNT_ATTEMPT_KEY] = {
            "code": request.POST.get("code", "")[:32],
            "error": str(exc.message),
        }
    else:
        messages.success(request, "کد تخفیف اعمال شد.")
    return _back(request)


@require_POST
def discount_remove_view(request):
    cart = request_cart(request)
    if cart is not None:
        services.cart_remove_discount_code(cart=cart)
        messages.success(request, "کد تخفیف برداشته شد.")
    return _back(request)
