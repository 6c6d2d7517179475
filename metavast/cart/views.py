"""The cart page and its buttons: plain forms, POST then redirect back to the cart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from metavast.cart import services
from metavast.cart.errors import LineNotFound
from metavast.cart.forms import parse_id, parse_quantity
from metavast.cart.pricing import price_cart
from metavast.cart.web import request_cart
from metavast.catalog.errors import VariantNotFound
from metavast.core.errors import DomainError
from metavast.core.http import no_store


def _same_origin(request) -> bool:
    """The product page is cached whole for guests, so its "add" form has no CSRF token.
    The session cookie is SameSite=Lax (a cross-site POST carries none), and a browser's
    Origin or Referer naming another site is refused here as well."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    if source == "null":
        return False
    return url_has_allowed_host_and_scheme(
        source, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@require_GET
@no_store
def cart_view(request):
    cart = request_cart(request)
    return render(
        request,
        "cart/cart.html",
        {"priced": price_cart(cart), "max_quantity": services.max_line_quantity()},
    )


@csrf_exempt
@require_POST
def add_view(request):
    if not _same_origin(request):
        return HttpResponseForbidden()
    variant_id = parse_id(request.POST.get("variant"))
    try:
        quantity = parse_quantity(request.POST.get("quantity"), default=1)
        if variant_id is None:
            raise VariantNotFound()
        cart = request_cart(request, create=True)
        services.cart_add(cart=cart, variant_id=variant_id, quantity=quantity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "به سبد خرید اضافه شد.")
    return redirect("cart:detail")


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
