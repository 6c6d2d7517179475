"""Test data for cart, checkout and orders: customers, variants, addresses, placed orders."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.utils import timezone

from metavast.accounts.models import User
from metavast.accounts.services.addresses import AddressInput, address_create
from metavast.cart.services import cart_add, cart_get_or_create
from metavast.catalog.models import Category
from metavast.catalog.services.products import category_create, product_create, variant_create
from metavast.checkout.demo import seed_shipping
from metavast.checkout.models import ShippingMethod
from metavast.orders.services import Receiver, order_place

PASSWORD = "tulip-harbour-9318"
_numbers = itertools.count(1)


def make_customer(
    *,
    first_name: str = "سارا",
    last_name: str = "محمدی",
    mobile_confirmed: bool = True,
    email_confirmed: bool = True,
    is_staff: bool = False,
    email: str | None = None,
) -> User:
    n = next(_numbers)
    now = timezone.now()
    email = email or f"buyer{n}-{uuid.uuid4().hex[:6]}@example.com"
    user = User(
        email=email,
        email_confirmed_at=now if email_confirmed else None,
        mobile=f"+98912{(n * 7919 + uuid.uuid4().int) % 10_000_000:07d}",
        mobile_confirmed_at=now if mobile_confirmed else None,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def _category() -> Category:
    category = Category.objects.filter(slug="test-shop").first()
    return category or category_create(name="دستهٔ آزمایشی", slug="test-shop")


def make_variant(
    *,
    title: str | None = None,
    price: int = 1_000_000,
    on_hand: int = 5,
    options=(),
    product=None,
):
    if product is None:
        n = next(_numbers)
        product = product_create(
            title=title or f"کالای آزمایشی {n}", category=_category(), slug=f"test-product-{n}"
        )
    return variant_create(
        product=product,
        sku=f"SKU-{uuid.uuid4().hex[:10]}",
        price=price,
        on_hand=on_hand,
        options=options,
    )


def make_address(user, *, province: str = "tehran", city: str = "تهران", **extra):
    data = AddressInput(
        province=province,
        city=city,
        street=extra.pop("street", "خیابان آزادی"),
        plaque=extra.pop("plaque", "12"),
        postal_code=extra.pop("postal_code", "1193653471"),
        **extra,
    )
    return address_create(user=user, data=data)


def method(code: str = "post-pishtaz") -> ShippingMethod:
    return ShippingMethod.objects.get(code=code)


def fill_cart(user, *items):
    """items: (variant, quantity) pairs, added in the order given."""
    cart = cart_get_or_create(user=user)
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def place(
    user, *, address=None, receiver=None, shipping="post-pishtaz", payment="online", key=None
):
    cart = cart_get_or_create(user=user)
    address = address or make_address(user)
    return order_place(
        user=user,
        cart=cart,
        address=address,
        receiver=receiver or Receiver(is_self=True),
        shipping_method_id=method(shipping).pk,
        payment_method=payment,
        checkout_key=key or uuid.uuid4().hex,
    )


@pytest.fixture
def shop(db):
    """Shipping methods, rates and the VAT rate, as the demo seeds them."""
    seed_shipping()
