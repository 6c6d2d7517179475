"""Finding the browser's cart: the customer's own when signed in, else the guest cart whose
token is in the session. Reading never creates a cart; adding does."""

from __future__ import annotations

from django.db.models import Sum

from metavast.cart.models import Cart, CartLine
from metavast.cart.services import cart_create_guest, cart_get_or_create

SESSION_KEY = "cart_token"


def request_cart(request, *, create: bool = False) -> Cart | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cart = Cart.objects.of_user(user).first()
        if cart is None and create:
            cart = cart_get_or_create(user=user)
        return cart
    token = request.session.get(SESSION_KEY)
    cart = Cart.objects.of_guest(token).first() if isinstance(token, str) and token else None
    if cart is None and create:
        cart = cart_create_guest()
        request.session[SESSION_KEY] = cart.token
    return cart


def request_cart_count(request) -> int:
    """How many items the browser's cart holds, for the header on every page: one query for
    a signed-in customer or a guest with a cart, none for anyone else (a visitor without a
    session never makes one here, so cached guest pages stay shareable)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=user)
    else:
        session = getattr(request, "session", None)
        # Without a session cookie this reads nothing from the database and saves nothing.
        token = session.get(SESSION_KEY) if session is not None else None
        if not (isinstance(token, str) and token):
            return 0
        lines = CartLine.objects.filter(cart__user__isnull=True, cart__token=token)
    return lines.aggregate(n=Sum("quantity"))["n"] or 0
