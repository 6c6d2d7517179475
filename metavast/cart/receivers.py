"""The guest cart joins the customer's cart at sign-in (see CartConfig.ready for why a
receiver)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from metavast.cart.services import cart_merge
from metavast.cart.web import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="cart_merge_guest_cart")
def merge_guest_cart(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    token = session.pop(SESSION_KEY, None)
    if token:
        cart_merge(user=user, token=token)
