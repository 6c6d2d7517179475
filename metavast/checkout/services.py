"""Checkout: the customer's choices step by step, then one call that places the order.

Each step validates against the current data and stores the choice on the customer's
`CheckoutDraft`, changing its key; `checkout_place` accepts only the key the review page
showed, with the cart version it showed, so what is placed is what was reviewed. A repeated
place with the same key returns the same order (see `order_place`).

A draft may hold another person's details (P4); drafts nobody has touched for
ORDER_RECEIVER_RETENTION_DAYS are deleted by the retention engine
(metavast/privacy/retention.py, rule "checkout_drafts").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from metavast.accounts.models import Address
from metavast.cart.models import Cart
from metavast.cart.pricing import PricedCart, price_cart
from metavast.checkout.delivery import (
    delivery_booking_create,
    delivery_window_check,
    delivery_window_take,
)
from metavast.checkout.errors import (
    AddressNotFound,
    CheckoutIncomplete,
    CheckoutStale,
    CodNotAllowed,
)
from metavast.checkout.models import CheckoutDraft
from metavast.checkout.shipping import (
    Quote,
    shipping_method_with_rates,
    shipping_quote,
    shipping_quotes,
    vat_amount,
    vat_rate_basis_points,
    vat_rate_or_none,
)
from metavast.core.vat import gross_amount
from metavast.orders.models import Order, PaymentMethod
from metavast.orders.services import Receiver, order_place_in_transaction
from metavast.orders.services.placement import clean_receiver


def checkout_draft_get(*, user) -> CheckoutDraft:
    draft, _ = CheckoutDraft.objects.select_related(
        "address", "shipping_method", "delivery_window"
    ).get_or_create(user=user)
    return draft


def _lock_draft(user) -> CheckoutDraft:
    checkout_draft_get(user=user)
    return (
        CheckoutDraft.objects.select_for_update(of=("self",))
        .select_related("address", "shipping_method", "delivery_window")
        .get(user=user)
    )


@transaction.atomic
def checkout_set_address(*, user, address_id: int, receiver: Receiver) -> CheckoutDraft:
    address = Address.objects.of(user).filter(pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    receiver = clean_receiver(receiver)
    draft = _lock_draft(user)
    draft.address = address
    draft.receiver_is_self = receiver.is_self
    draft.receiver_first_name = receiver.first_name
    draft.receiver_last_name = receiver.last_name
    draft.receiver_mobile = receiver.mobile
    draft.key = uuid.uuid4()
    draft.save()
    return draft


@transaction.atomic
def checkout_set_shipping(
    *, user, shipping_method_id: int, delivery_window_id: int | None = None
) -> CheckoutDraft:
    """The shipping method and, for a courier that comes at an agreed time, its window."""
    draft = _lock_draft(user)
    if draft.address is None:
        raise CheckoutIncomplete()
    cart = Cart.objects.of_user(user).first()
    weight = price_cart(cart).weight_grams
    quote = shipping_quote(
        method_id=shipping_method_id,
        province=draft.address.province,
        city=draft.address.city,
        weight_grams=weight,
    )
    draft.shipping_method = quote.method
    draft.delivery_window = delivery_window_check(method=quote.method, window_id=delivery_window_id)
    draft.key = uuid.uuid4()
    draft.save()
    return draft


@dataclass
class Summary:
    """The review page: every amount VAT-inclusive (metavast.core.vat), as `order_place`
    will charge it. `vat` is the VAT included in `total`, shown, never added."""

    priced: PricedCart
    quote: Quote
    vat_basis_points: int
    shipping: int  # shipping, VAT included
    vat: int
    total: int

    @property
    def vat_percent(self) -> str:
        return f"{self.vat_basis_points / 100:g}"

    @property
    def discount(self) -> int:
        return self.priced.discount


def checkout_quotes(*, draft: CheckoutDraft, priced: PricedCart) -> list[Quote]:
    if draft.address is None:
        return []
    return shipping_quotes(
        province=draft.address.province, city=draft.address.city, weight_grams=priced.weight_grams
    )


@dataclass(frozen=True)
class ShippingChoice:
    """A method as the shipping step offers it. `price` is VAT included, like every price the
    shopper sees: the amount the review, the order and the invoice charge for it."""

    quote: Quote
    price: int

    @property
    def method(self):
        return self.quote.method


def checkout_shipping_choices(*, draft: CheckoutDraft, priced: PricedCart) -> list[ShippingChoice]:
    """The methods for the draft's address, priced as `checkout_summary` will charge them:
    at the rate in force today (the display rate only while none is, when placing refuses)."""
    quotes = checkout_quotes(draft=draft, priced=priced)
    if not quotes:
        return []
    basis_points = vat_rate_or_none(timezone.localdate())
    if basis_points is None:
        basis_points = priced.vat_basis_points
    return [ShippingChoice(quote=q, price=gross_amount(q.cost, basis_points)) for q in quotes]


def checkout_summary(*, draft: CheckoutDraft, priced: PricedCart) -> Summary:
    """What the review page shows; the same arithmetic as `order_place`."""
    if draft.address is None or draft.shipping_method_id is None:
        raise CheckoutIncomplete()
    quote = shipping_quote(
        method_id=draft.shipping_method_id,
        province=draft.address.province,
        city=draft.address.city,
        weight_grams=priced.weight_grams,
    )
    basis_points = vat_rate_basis_points(timezone.localdate())
    if basis_points != priced.vat_basis_points:
        # The cart was priced at the display rate; the review shows the rate it charges.
        priced = price_cart(priced.cart, basis_points=basis_points)
    shipping_vat = vat_amount(quote.cost, basis_points)
    return Summary(
        priced=priced,
        quote=quote,
        vat_basis_points=basis_points,
        shipping=quote.cost + shipping_vat,
        vat=priced.vat + shipping_vat,
        total=priced.total + quote.cost + shipping_vat,
    )


def draft_receiver(draft: CheckoutDraft) -> Receiver:
    return Receiver(
        is_self=draft.receiver_is_self,
        first_name=draft.receiver_first_name,
        last_name=draft.receiver_last_name,
        mobile=draft.receiver_mobile,
    )


def checkout_place(
    *,
    user,
    key: str,
    payment_method: str,
    cart_version: int | None,
    expected_total: int | None,
    ip: str | None = None,
) -> Order:
    """Place the reviewed checkout. The same key again returns the same order. `ip` is the
    client's address, for the placing limit per address."""
    key = str(key or "")[:64]
    existing = Order.objects.filter(user=user, checkout_key=key).first() if key else None
    if existing is not None:
        return existing
    with transaction.atomic():
        draft = _lock_draft(user)
        existing = Order.objects.filter(user=user, checkout_key=key).first() if key else None
        if existing is not None:
            return existing
        if not key or str(draft.key) != key:
            raise CheckoutStale()
        if draft.address is None or draft.shipping_method_id is None:
            raise CheckoutIncomplete()
        if payment_method not in PaymentMethod.values:
            raise CodNotAllowed()
        cart = Cart.objects.of_user(user).first()
        if cart is None or (cart_version is not None and cart.version != cart_version):
            raise CheckoutStale()
        # A courier's window: one place taken now, rolled back with the rest on any failure.
        window = delivery_window_take(
            method=draft.shipping_method, window_id=draft.delivery_window_id
        )
        order = order_place_in_transaction(
            user=user,
            cart=cart,
            address=draft.address,
            receiver=draft_receiver(draft),
            shipping_method_id=draft.shipping_method_id,
            payment_method=payment_method,
            checkout_key=key,
            expected_total=expected_total,
            ip=ip,
        )
        if window is not None:
            delivery_booking_create(order=order, window=window)
        # The attempt is spent; another person's details leave the draft (P4).
        draft.key = uuid.uuid4()
        draft.receiver_is_self = True
        draft.receiver_first_name = draft.receiver_last_name = draft.receiver_mobile = ""
        draft.payment_method = ""
        draft.delivery_window = None
        draft.save()
        return order


def checkout_place_direct(
    *,
    user,
    address,
    receiver: Receiver,
    shipping_method_id: int,
    delivery_window_id: int | None,
    payment_method: str,
    checkout_key: str,
    expected_total: int | None,
    ip: str | None = None,
) -> Order:
    """Place in one call (the API): the cart as it is, with a courier's window taken in the
    same transaction. The same key again returns the same order without taking a place."""
    if delivery_window_id is not None:
        # A repeat must get its order even when the window has filled up since: look before
        # taking a place. Without a window `order_place` finds the repeat under the cart lock.
        existing = Order.objects.filter(user=user, checkout_key=checkout_key).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        # Read once with its rates: the window needs it, and the quote is priced from it.
        method = shipping_method_with_rates(shipping_method_id)
        window = (
            delivery_window_take(method=method, window_id=delivery_window_id)
            if method is not None
            else None
        )
        order = order_place_in_transaction(
            user=user,
            cart=None,  # the customer's cart, found as it is locked
            address=address,
            receiver=receiver,
            shipping_method_id=shipping_method_id,
            payment_method=payment_method,
            checkout_key=checkout_key,
            expected_total=expected_total,
            ip=ip,
            shipping_method=method,
        )
        if window is not None:
            delivery_booking_create(order=order, window=window)
        return order
