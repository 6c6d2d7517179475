"""Writing to carts. Every change locks the cart row first, so two tabs adding at once
cannot both pass the per-line limit or the line count; quantities are checked against the
variant's stock now, and checked again (under stock locks) when an order is placed."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from metavast.cart.errors import (
    CartFull,
    InvalidQuantity,
    ItemUnavailable,
    LineNotFound,
    NotEnoughStock,
    QuantityAboveLimit,
)
from metavast.cart.models import Cart, CartLine
from metavast.cart.pricing import price_cart
from metavast.catalog.errors import VariantNotFound
from metavast.catalog.models import Variant
from metavast.core.text import to_persian_digits
from metavast.promotions.errors import DiscountNotApplicable, DiscountUnknown
from metavast.promotions.selectors import normalize_code

logger = logging.getLogger(__name__)


def max_line_quantity() -> int:
    return settings.CART_MAX_LINE_QUANTITY


def check_quantity(quantity, *, allow_zero: bool = False) -> int:
    """A whole number within 1..limit (0 too when it means "remove")."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity()
    if quantity < (0 if allow_zero else 1):
        raise InvalidQuantity()
    limit = max_line_quantity()
    if quantity > limit:
        raise QuantityAboveLimit(
            f"از هر کالا حداکثر {to_persian_digits(limit)} عدد می‌توانید سفارش دهید.",
            fields={"quantity": [f"حداکثر {to_persian_digits(limit)}"]},
        )
    return quantity


def _buyable_variant(variant_id) -> Variant:
    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        raise VariantNotFound()
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise VariantNotFound()
    if not variant.is_active or not variant.product.is_on_sale:
        raise ItemUnavailable()
    return variant


def _check_stock(variant: Variant, quantity: int) -> None:
    available = variant.available
    if available <= 0:
        raise NotEnoughStock(f"«{variant.product.title}» ناموجود شده است.")
    if quantity > available:
        raise NotEnoughStock(
            f"تنها {to_persian_digits(available)} عدد از «{variant.product.title}» موجود است.",
            fields={"quantity": [f"حداکثر {to_persian_digits(available)}"]},
        )


def _lock(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _touch(cart: Cart, locked: Cart | None = None) -> None:
    """A new version for the cart. Given the row this transaction locked (`_lock`), the new
    number is known without reading it back: nobody else can change it until we commit."""
    now = timezone.now()
    if locked is None:
        Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1, updated_at=now)
        cart.refresh_from_db(fields=["version", "updated_at"])
        return
    Cart.objects.filter(pk=locked.pk).update(version=locked.version + 1, updated_at=now)
    version = locked.version + 1
    for instance in (cart, locked):
        instance.version, instance.updated_at = version, now


# --- carts ------------------------------------------------------------------------------


def cart_get_or_create(*, user) -> Cart:
    """The signed-in customer's cart, made on first use."""
    cart = Cart.objects.of_user(user).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user)
    except IntegrityError:  # another request made it a moment ago
        return Cart.objects.of_user(user).get()


def cart_create_guest() -> Cart:
    """A guest's cart; the caller keeps `cart.token` in the guest's session."""
    return Cart.objects.create(token=secrets.token_urlsafe(32))


# --- lines ------------------------------------------------------------------------------


@transaction.atomic
def cart_add(*, cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Put `quantity` more units of a variant in the cart (a new line or a bigger one)."""
    check_quantity(quantity)
    locked = _lock(cart)
    variant = _buyable_variant(variant_id)
    # One read for both questions (is the variant there, how many lines): a cart holds at
    # most CART_MAX_LINES lines.
    lines = list(CartLine.objects.filter(cart=locked))
    line = next((line for line in lines if line.variant_id == variant.pk), None)
    new_quantity = (line.quantity if line else 0) + quantity
    check_quantity(new_quantity)
    _check_stock(variant, new_quantity)
    if line is None:
        if len(lines) >= settings.CART_MAX_LINES:
            raise CartFull()
        line = CartLine.objects.create(
            cart=locked, variant=variant, quantity=new_quantity, price_when_added=variant.price
        )
    else:
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
    _touch(cart, locked)
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, variant_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes it. Returns the line, or None when removed."""
    check_quantity(quantity, allow_zero=True)
    locked = _lock(cart)
    line = CartLine.objects.filter(cart=locked, variant_id=variant_id).first()
    if line is None:
        raise LineNotFound()
    if quantity == 0:
        line.delete()
        _touch(cart, locked)
        return None
    if quantity > line.quantity:
        # Lowering is always allowed (it is how a customer fixes a shortage); raising
        # needs the variant to be on sale with enough units.
        variant = _buyable_variant(variant_id)
        _check_stock(variant, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart, locked)
    return line


@transaction.atomic
def cart_remove(*, cart: Cart, variant_id: int) -> None:
    locked = _lock(cart)
    deleted, _ = CartLine.objects.filter(cart=locked, variant_id=variant_id).delete()
    if not deleted:
        raise LineNotFound()
    _touch(cart, locked)


@transaction.atomic
def cart_acknowledge_changes(*, cart: Cart) -> int:
    """The customer has seen the new prices: they become the lines' reference prices."""
    locked = _lock(cart)
    lines = list(CartLine.objects.filter(cart=locked).select_related("variant"))
    changed = [line for line in lines if line.price_when_added != line.variant.price]
    for line in changed:
        line.price_when_added = line.variant.price
    CartLine.objects.bulk_update(changed, ["price_when_added"])
    if changed:
        _touch(cart, locked)
    return len(changed)


# --- discount code ----------------------------------------------------------------------


@transaction.atomic
def cart_apply_discount_code(*, cart: Cart, code: str) -> Cart:
    """Keep `code` on the cart if it gives a discount on it now; otherwise raise the
    promotions error that says why (nothing is stored then). The code is checked again each
    time the cart is priced and redeemed only when the order is placed."""
    text = normalize_code(code)
    if not text:
        raise DiscountUnknown()
    locked = _lock(cart)
    locked.discount_code = text
    priced = price_cart(locked)
    if priced.is_empty:
        raise DiscountNotApplicable()
    if priced.discount_error is not None:
        raise priced.discount_error
    Cart.objects.filter(pk=locked.pk).update(discount_code=text)
    cart.discount_code = text
    _touch(cart, locked)
    return cart


@transaction.atomic
def cart_remove_discount_code(*, cart: Cart) -> Cart:
    locked = _lock(cart)
    if locked.discount_code:
        Cart.objects.filter(pk=locked.pk).update(discount_code="")
        _touch(cart, locked)
    cart.discount_code = ""
    return cart


@transaction.atomic
def cart_empty(*, cart: Cart) -> None:
    locked = _lock(cart)
    CartLine.objects.filter(cart=locked).delete()
    _touch(cart, locked)


def cart_merge(*, user, token: str) -> Cart | None:
    """At sign-in: move the guest cart's lines into the customer's cart, then delete it.

    A variant in both keeps the larger quantity (the same person likely added it twice),
    capped at the per-line limit; stock is not checked here, the cart page shows shortages.
    Never raises: a failed merge must not stop a sign-in, so it is logged instead.
    """
    try:
        with transaction.atomic():
            guest = Cart.objects.of_guest(token).first() if token else None
            if guest is None:
                return None
            cart = cart_get_or_create(user=user)
            # Fixed lock order: the lower id first.
            for locked_id in sorted([cart.pk, guest.pk]):
                Cart.objects.select_for_update().get(pk=locked_id)
            mine = {line.variant_id: line for line in CartLine.objects.filter(cart=cart)}
            limit = max_line_quantity()
            for line in CartLine.objects.filter(cart=guest).order_by("pk"):
                existing = mine.get(line.variant_id)
                if existing is None:
                    if len(mine) >= settings.CART_MAX_LINES:
                        break
                    mine[line.variant_id] = CartLine.objects.create(
                        cart=cart,
                        variant_id=line.variant_id,
                        quantity=min(line.quantity, limit),
                        price_when_added=line.price_when_added,
                        added_at=line.added_at,
                    )
                elif line.quantity > existing.quantity:
                    existing.quantity = min(line.quantity, limit)
                    existing.save(update_fields=["quantity"])
            if guest.discount_code and not cart.discount_code:
                Cart.objects.filter(pk=cart.pk).update(discount_code=guest.discount_code)
                cart.discount_code = guest.discount_code
            guest.delete()
            _touch(cart)
            return cart
    except Exception:
        logger.exception("guest cart merge failed", extra={"user_id": user.pk})
        return None
