"""Finding the browser's cart: the customer's own when signed in, else the guest cart whose
token is in the session. Reading never creates a cart; adding does."""

from __future__ import annotations

from metavast.cart.models import Cart
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
