"""Writing to carts. Every change locks the cart row first, so two tabs adding at once
cannot both pass the per-line limit or the line count; quantities are checked against the
variant's stock now, and checked again (under stock locks) when an order is placed."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, connection, connections, router, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.expressions import RawSQL
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
from metavast.cart.pricing import PricedCart, price_cart
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
    title = to_persian_digits(variant.product.title)  # as the pages show it
    if available <= 0:
        raise NotEnoughStock(f"«{title}» ناموجود شده است.")
    if quantity > available:
        raise NotEnoughStock(
            f"تنها {to_persian_digits(available)} عدد از «{title}» موجود است.",
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
    locked = cart_lock_and_bump(cart_id=cart.pk)
    if locked is None:
        raise Cart.DoesNotExist()
    line, _ = _add(locked, variant_id, quantity)
    cart.version, cart.updated_at = locked.version, locked.updated_at
    return line


@transaction.atomic
def cart_add_priced(*, user, variant_id: int, quantity: int = 1) -> PricedCart:
    """`cart_add` for the signed-in customer's cart (made on first use), returned priced
    from the rows this transaction read and wrote: three statements in its transaction (the
    cart's lock and version, the lines with their variants, the line's write)."""
    check_quantity(quantity)
    locked = cart_lock_and_bump(user_id=user.pk)
    if locked is None:
        locked = cart_lock_and_bump(cart_id=cart_get_or_create(user=user).pk)
    _, lines = _add(locked, variant_id, quantity)
    return price_cart(locked, lines=lines)


def cart_lock_and_bump(*, cart_id: int | None = None, user_id: int | None = None) -> Cart | None:
    """Lock the cart row and give it its next version, in one statement (UPDATE ...
    RETURNING, which PostgreSQL and SQLite 3.35+ both speak; the ORM's update() returns no
    row). The lock holds until commit; a change refused later rolls the version back too."""
    alias = router.db_for_write(Cart)  # a write: never the read replica
    ops = connections[alias].ops
    qn = ops.quote_name
    column, value = ("id", cart_id) if cart_id is not None else ("user_id", user_id)
    returning = ", ".join(qn(f.column) for f in Cart._meta.concrete_fields)
    # Identifiers come from the model's metadata, quoted; the values go as parameters.
    sql = (
        f"UPDATE {qn(Cart._meta.db_table)} SET {qn('version')} = {qn('version')} + 1, "  # noqa: S608
        f"{qn('updated_at')} = %s WHERE {qn(column)} = %s RETURNING {returning}"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    return next(iter(Cart.objects.raw(sql, [now, value], using=alias)), None)


def _lines_and_variant(cart: Cart, variant_id: int) -> tuple[list[CartLine], Variant | None]:
    """The cart's lines with their variants, products and categories (what pricing shows),
    and the variant being added, in one query: the variants are read, each with its line's
    columns beside it (CartLine has no reverse relation on Variant to join through)."""
    # No ORDER BY: a cart holds one line per variant (`cartline_one_per_variant`), and the
    # model's ordering, compiled into each of the four subqueries, was a fifth of the
    # CPU spent building this statement (issue 16).
    line = CartLine.objects.filter(cart_id=cart.pk, variant_id=OuterRef("pk")).order_by()
    # `id IN (the cart's variants UNION ALL this one)`, not `id = … OR id IN (…)`: PostgreSQL
    # answers the OR with a sequential scan of every variant (0.4 s at 100k products).
    qn = connection.ops.quote_name
    wanted_ids = RawSQL(  # noqa: S611 - names quoted from the model, values bound
        f"SELECT {qn('variant_id')} FROM {qn(CartLine._meta.db_table)}"  # noqa: S608
        f" WHERE {qn('cart_id')} = %s UNION ALL SELECT %s",
        (cart.pk, variant_id),
    )
    variants = (
        Variant.objects.select_related("product__category")
        .filter(pk__in=wanted_ids)
        .annotate(
            line_id=Subquery(line.values("pk")[:1]),
            line_quantity=Subquery(line.values("quantity")[:1]),
            line_price=Subquery(line.values("price_when_added")[:1]),
            line_added_at=Subquery(line.values("added_at")[:1]),
        )
    )
    lines: list[CartLine] = []
    wanted = None
    for variant in variants:
        if variant.pk == variant_id:
            wanted = variant
        if variant.line_id is not None:
            row = CartLine.from_db(
                CartLine.objects.db,
                ["id", "cart_id", "variant_id", "quantity", "price_when_added", "added_at"],
                [
                    variant.line_id,
                    cart.pk,
                    variant.pk,
                    variant.line_quantity,
                    variant.line_price,
                    variant.line_added_at,
                ],
            )
            row.cart, row.variant = cart, variant
            lines.append(row)
    lines.sort(key=lambda row: (row.added_at, row.pk))
    return lines, wanted


def _add(locked: Cart, variant_id, quantity: int) -> tuple[CartLine, list[CartLine]]:
    """The body of an add on a cart this transaction locked; returns the line and all the
    cart's lines as they now stand, in display order."""
    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        raise VariantNotFound()
    # One read for every question (is the variant on sale, is it in the cart already, how
    # many lines: a cart holds at most CART_MAX_LINES lines) and for pricing afterwards.
    lines, variant = _lines_and_variant(locked, variant_id)
    if variant is None:
        raise VariantNotFound()
    if not variant.is_active or not variant.product.is_on_sale:
        raise ItemUnavailable()
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
        lines.append(line)
    else:
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
    return line, lines


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
