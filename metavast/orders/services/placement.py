"""Placing an order: the cart becomes a priced, stock-holding snapshot in one transaction.

Idempotency: each checkout attempt has a key, unique per customer in the database. A
repeated request with the same key (a double-clicked button, a second tab posting the same
review page, a retried API call) gets the order the first one made.

Concurrency: the customer's cart row is locked first (so the same customer's requests run
one after the other and see each other's order), then stock rows in the fixed order of
`stock.lock_stock`. Prices, weights and availability are read from the locked rows;
the catalog's conditional UPDATE is what finally refuses the last unit to the second buyer.

Cash on delivery: there is no payment to wait for, so the order is confirmed at once: its
stock is committed and it starts in `processing` with no expiry. (The legal invoice of a
COD order is issued at delivery, in the invoices issue.)

Stock hoarding: an order holds stock before anyone has paid for it, so one account could
take a scarce product off the shelf by placing order after order. Under the cart lock (one
cart per customer, so it is the customer's lock: parallel placements for one customer run
one after the other and each counts the orders the others committed) a new order is
refused when the customer's open unpaid orders (awaiting payment, or cash on delivery not
yet shipped) would number more than ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER or hold more than
ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER units. Placing is also rate-limited per customer and
per client IP (`limits.py`), checked before anything is written.

Shipping and VAT rules belong to checkout, above orders: `hooks.delivery_rules()` is what
checkout registered at start-up. Prices include VAT: each line gets its own VAT and its share
of the discount by the one rule in `metavast.core.vat`, so the order's total is exactly the
VAT-inclusive amounts the shopper reviewed (lines + shipping - discount).

Discount codes: the cart's code is evaluated again here, under the cart lock, and redeemed
in this transaction (`promotions.services.discount_redeem`, a conditional UPDATE on the
code's use count), so parallel checkouts never redeem more than the code's cap and a
refused use rolls the order back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from metavast.accounts.models import Address
from metavast.audit.services import audit_record
from metavast.cart.models import Cart, CartLine
from metavast.cart.pricing import unit_weight_grams
from metavast.cart.services import cart_lock_and_bump, check_quantity
from metavast.catalog.errors import OutOfStock as CatalogOutOfStock
from metavast.catalog.models import Category
from metavast.core.identifiers import normalize_mobile
from metavast.core.text import to_persian_digits
from metavast.core.vat import gross_amount, line_charge, vat_amount
from metavast.notifications.services import notify
from metavast.orders import limits
from metavast.orders.errors import (
    AddressNotFound,
    CartEmpty,
    CodNotAllowed,
    CustomerIncomplete,
    OutOfStock,
    TotalChanged,
    UnpaidOrdersLimit,
    UnpaidUnitsLimit,
)
from metavast.orders.hooks import delivery_rules
from metavast.orders.models import Order, OrderLine, OrderStatus, PaymentMethod
from metavast.orders.services import stock
from metavast.orders.services.status import history_add
from metavast.promotions.selectors import CartItem, discount_evaluate
from metavast.promotions.services import discount_redeem


@dataclass(frozen=True)
class Receiver:
    """Who receives the parcel: the customer, or another person for this order only (P4)."""

    is_self: bool = True
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""


def clean_receiver(receiver: Receiver) -> Receiver:
    if receiver.is_self:
        return Receiver(is_self=True)
    errors: dict[str, list[str]] = {}
    first = (receiver.first_name or "").strip()
    last = (receiver.last_name or "").strip()
    for field, value in (("receiver_first_name", first), ("receiver_last_name", last)):
        if not value:
            errors[field] = ["این فیلد لازم است."]
        elif len(value) > 80:
            errors[field] = ["حداکثر ۸۰ نویسه."]
    mobile = ""
    try:
        mobile = normalize_mobile(receiver.mobile or "")
    except ValidationError as exc:
        errors["receiver_mobile"] = list(exc.messages)
    if errors:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in errors.items()})
    return Receiver(is_self=False, first_name=first, last_name=last, mobile=mobile)


def customer_missing(user) -> list[str]:
    """P1: what the customer still lacks to buy ("name", "mobile", "email")."""
    missing = []
    if not (user.first_name or "").strip() or not (user.last_name or "").strip():
        missing.append("name")
    if not user.confirmed_mobile:
        missing.append("mobile")
    if not user.confirmed_email:
        missing.append("email")
    return missing


def require_customer(user) -> None:
    missing = customer_missing(user)
    if missing:
        raise CustomerIncomplete(fields={name: ["لازم است."] for name in missing})


def new_order_number() -> str:
    return f"MV-{secrets.randbelow(10**8):08d}"


def _existing(user, key: str) -> Order | None:
    return Order.objects.filter(user=user, checkout_key=key).first()


def order_place_in_transaction(
    *,
    user,
    cart: Cart | None,
    address: Address,
    receiver: Receiver,
    shipping_method_id: int,
    payment_method: str,
    checkout_key: str,
    expected_total: int | None = None,
    ip: str | None = None,
    shipping_method=None,
) -> Order:
    """Turn the customer's cart into an order holding its stock; see the module docstring.

    `cart` None means the customer's cart, found and locked in one query. `ip` is the
    client's address, for the per-IP placing limit (None: not counted by IP).
    `shipping_method` is the method row (with its rates) when the caller has read it
    already; the delivery rules then price the parcel without reading it again."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("order_place_in_transaction needs an open transaction")
    checkout_key = str(checkout_key or "").strip()
    if not checkout_key or len(checkout_key) > 64:
        raise ValidationError({"checkout_key": ["شناسهٔ تسویه نامعتبر است."]})
    # Locked and given its next version in one statement: the placed order changes the cart,
    # and a placement refused later rolls the version back with everything else.
    locked_cart = cart_lock_and_bump(
        user_id=user.pk if cart is None else None, cart_id=cart.pk if cart is not None else None
    )
    if locked_cart is not None and locked_cart.user_id != user.pk:
        locked_cart = None
    if locked_cart is None:
        existing = _existing(user, checkout_key)
        if existing is not None:
            return existing
        raise CartEmpty()
    # Looked up once, under the cart lock: a repeat (or a twin that finished while we
    # waited for the lock) gets the order the first request made, before any other check.
    # The same query reads what the customer's unpaid orders hold, for the hoarding caps:
    # every placed order has lines, so the attempt's order shows up by its lines.
    held_lines = _lines_held_or_placed(user, checkout_key)
    repeat = next((order_id for order_id, *_, key in held_lines if key == checkout_key), None)
    if repeat is not None:
        return Order.objects.get(pk=repeat)
    limits.order_place_allowed(user_id=user.pk, ip=ip)
    require_customer(user)
    if address is None or address.user_id != user.pk:
        raise AddressNotFound()
    receiver = clean_receiver(receiver)
    payment_method = PaymentMethod(payment_method)
    cart_lines = list(CartLine.objects.filter(cart=locked_cart).order_by("variant_id"))
    if not cart_lines:
        raise CartEmpty()
    for line in cart_lines:
        check_quantity(line.quantity)
    _check_unpaid_holdings(held_lines, {line.variant_id: line.quantity for line in cart_lines})

    locked_stock = stock.lock_stock(line.variant_id for line in cart_lines)
    variants = locked_stock.requested(line.variant_id for line in cart_lines)
    order_lines: list[OrderLine] = []
    subtotal = weight = 0
    for line in cart_lines:
        variant = variants.get(line.variant_id)
        title = variant.product.title if variant else ""
        if variant is None or not variant.is_active or not variant.product.is_on_sale:
            shown = to_persian_digits(title)  # as the pages show it
            raise OutOfStock(
                f"«{shown}» دیگر برای فروش عرضه نمی‌شود." if title else None,
                fields={"lines": [shown]},
            )
        if variant.available < line.quantity:
            raise _out_of_stock(title, variant.available)
        unit_weight = unit_weight_grams(variant)
        order_lines.append(
            OrderLine(
                variant=variant,
                product=variant.product,
                sku=variant.sku,
                title=title,
                options_label=variant.label[:200],
                unit_price=variant.price,
                quantity=line.quantity,
                line_total=variant.price * line.quantity,
                weight_grams=unit_weight,
            )
        )
        subtotal += variant.price * line.quantity
        weight += unit_weight * line.quantity

    rules = delivery_rules()
    known = {"method": shipping_method} if shipping_method is not None else {}
    quote = rules.shipping_quote(
        method_id=shipping_method_id,
        province=address.province,
        city=address.city,
        weight_grams=weight,
        **known,
    )
    if payment_method == PaymentMethod.COD and not quote.allows_cod:
        raise CodNotAllowed()
    now = timezone.now()
    basis_points = rules.vat_rate_basis_points(timezone.localdate(now))
    # Prices include VAT, per line (metavast.core.vat): the discount is taken off the gross
    # amounts the shopper saw, and each line keeps its net discount and its own VAT.
    evaluation = _discount(locked_cart, user, order_lines, variants, basis_points, now)
    shares = evaluation.shares if evaluation else [0] * len(order_lines)
    discount = vat = 0
    for order_line, share in zip(order_lines, shares, strict=True):
        charge = line_charge(order_line.line_total, basis_points, share)
        order_line.discount, order_line.vat = charge.net_discount, charge.vat
        discount += charge.net_discount
        vat += charge.vat
    vat += vat_amount(quote.cost, basis_points)  # shipping: a line of its own
    total = subtotal - discount + quote.cost + vat
    if expected_total is not None and expected_total != total:
        raise TotalChanged()

    if receiver.is_self:
        receiver_names = (user.first_name.strip(), user.last_name.strip(), user.confirmed_mobile)
    else:
        receiver_names = (receiver.first_name, receiver.last_name, receiver.mobile)
    is_cod = payment_method == PaymentMethod.COD
    order = Order(
        user=user,
        checkout_key=checkout_key,
        status=OrderStatus.PROCESSING if is_cod else OrderStatus.AWAITING_PAYMENT,
        payment_method=payment_method,
        subtotal=subtotal,
        shipping_cost=quote.cost,
        vat_rate_basis_points=basis_points,
        vat=vat,
        discount=discount,
        discount_code=evaluation.code.code if evaluation else "",
        vat_included=True,
        total=total,
        shipping_method=quote.method,
        shipping_method_name=quote.method.name,
        weight_grams=weight,
        province=address.province,
        city=address.city,
        street=address.street,
        alley=address.alley,
        plaque=address.plaque,
        unit=address.unit,
        postal_code=address.postal_code,
        receiver_is_self=receiver.is_self,
        receiver_first_name=receiver_names[0],
        receiver_last_name=receiver_names[1],
        receiver_mobile=receiver_names[2],
        placed_at=now,
        expires_at=None
        if is_cod
        else now + timezone.timedelta(minutes=settings.ORDER_UNPAID_EXPIRY_MINUTES),
        processing_at=now if is_cod else None,
    )
    _save_with_unique_number(order)
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    if evaluation is not None:
        # In this transaction: a refused use (the cap reached by a parallel checkout) rolls
        # the whole order back.
        discount_redeem(
            code=evaluation.code, user=user, order_id=order.pk, amount=evaluation.amount
        )

    try:
        stock.reserve_lines(order_lines, locked=locked_stock)
    except CatalogOutOfStock:
        # Unreachable while the rows are locked, unless the catalog's rules differ from
        # ours; the transaction rolls back either way.
        raise OutOfStock() from None
    if is_cod:
        stock.commit_lines(order_lines, locked=locked_stock)

    CartLine.objects.filter(cart=locked_cart).delete()
    if locked_cart.discount_code:
        Cart.objects.filter(pk=locked_cart.pk).update(discount_code="")
    placed = history_add(order=order, from_status="", to_status=order.status, actor=user)
    audit_record(
        action="orders.placed",
        actor=user,
        subject=order,
        after={
            "status": order.status,
            "total": total,
            "discount_code": order.discount_code,
            "lines": len(order_lines),
            "payment_method": payment_method.value,
            "receiver_is_self": receiver.is_self,
        },
    )
    notify(
        user=user,
        template="orders/placed",
        context={"order_number": order.number, "cash_on_delivery": is_cod},
    )
    # For the answer to this request only (see `order_details_as_placed`).
    order.placed_rows = {"lines": order_lines, "history": [placed]}
    return order


# Its own transaction (a savepoint when nested). Checkout, which takes a delivery window in
# the same transaction and lets any error roll everything back, calls the function above
# directly and saves the savepoint's two round trips.
order_place = transaction.atomic(order_place_in_transaction)


def order_details_as_placed(order: Order) -> bool:
    """Fill in what an order's answer shows (as `prefetch_related` would) from the rows
    `order_place` has just written: its lines, its first history row, and no information or
    cancellation request (nobody else can see the order before it commits). False when
    `order` did not come from `order_place` in this request (a repeat): read them then.

    Only for answering the placing request: the rows are as placed, not as they are later."""
    rows = getattr(order, "placed_rows", None)
    if rows is None:
        return False
    cache = {}
    for name, found in (
        ("lines", rows["lines"]),
        ("history", rows["history"]),
        ("info_requests", []),
        ("cancellation_requests", []),
    ):
        queryset = getattr(order, name).all()
        queryset._result_cache = list(found)
        queryset._prefetch_done = True
        cache[name] = queryset
    order._prefetched_objects_cache = cache
    return True


def _discount(cart: Cart, user, order_lines, variants, basis_points: int, now):
    """The cart's discount code evaluated on the lines being ordered, or None. A code that
    no longer applies refuses the order with its reason (the shopper reviewed a total with
    the discount in it)."""
    if not cart.discount_code:
        return None
    category_ids = {
        variant.product.category_id for variant in variants.values() if variant is not None
    }
    paths = dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "path"))
    items = [
        CartItem(
            product_id=line.product_id,
            category_path=paths.get(line.product.category_id, ""),
            gross=gross_amount(line.line_total, basis_points),
        )
        for line in order_lines
    ]
    return discount_evaluate(code=cart.discount_code, items=items, user_id=user.pk, now=now)


def _lines_held_or_placed(user, checkout_key: str) -> list[tuple[int, int, int, str]]:
    """(order id, variant id, units, checkout key) of the lines of the customer's open unpaid
    orders and of the order this checkout key placed, if any: one query."""
    orders = Order.objects.filter(user=user)
    return list(
        OrderLine.objects.filter(
            order__in=orders.open_unpaid() | orders.filter(checkout_key=checkout_key)
        ).values_list("order_id", "variant_id", "quantity", "order__checkout_key")
    )


def _check_unpaid_holdings(held_lines, new_units: dict[int, int]) -> None:
    """Refuse an order that would take the customer past the unpaid-holding caps. Runs under
    the customer's cart lock, so a parallel placement by the same customer waits and then
    counts this one.

    Hoarding is about one product: the per-variant cap (units of one variant across all the
    customer's unpaid orders) is the tight one; the whole-basket cap is a loose ceiling, so
    a shopper filling a large basket of different things is not refused."""
    # `held_lines`: the lines of the customer's unpaid orders (at most a few orders, since the
    # order cap is small), from `_lines_held_or_placed`. Every placed order has lines, so
    # counting order ids here is exact.
    if (
        len({order_id for order_id, *_ in held_lines})
        >= settings.ORDER_MAX_OPEN_UNPAID_PER_CUSTOMER
    ):
        raise UnpaidOrdersLimit()
    held_by_variant: dict[int, int] = {}
    for _, variant_id, quantity, _ in held_lines:
        held_by_variant[variant_id] = held_by_variant.get(variant_id, 0) + quantity
    per_variant = settings.ORDER_MAX_RESERVED_UNITS_PER_VARIANT
    for variant_id, quantity in new_units.items():
        already = held_by_variant.get(variant_id, 0)
        if already + quantity > per_variant:
            raise _units_limit(per_variant, already, one_product=True)
    limit = settings.ORDER_MAX_RESERVED_UNITS_PER_CUSTOMER
    held_units = sum(held_by_variant.values())
    if held_units + sum(new_units.values()) > limit:
        raise _units_limit(limit, held_units, one_product=False)


def _units_limit(limit: int, held: int, *, one_product: bool) -> UnpaidUnitsLimit:
    what = "از یک کالا" if one_product else "روی هم"
    return UnpaidUnitsLimit(
        f"سفارش‌های پرداخت‌نشدهٔ هر مشتری {what} حداکثر {to_persian_digits(limit)} عدد "
        f"می‌توانند داشته باشند؛ اکنون {to_persian_digits(held)} عدد "
        "در سفارش‌های پرداخت‌نشدهٔ شماست. ابتدا سفارش قبلی را پرداخت یا لغو کنید.",
        fields={"lines": [f"حداکثر {to_persian_digits(limit)}"]},
    )


def _out_of_stock(title: str, available: int) -> OutOfStock:
    title = to_persian_digits(title)  # as the pages show it
    if available <= 0:
        message = f"«{title}» تمام شد؛ آن را از سبد خرید بردارید."
    else:
        message = f"تنها {to_persian_digits(available)} عدد از «{title}» باقی مانده است."
    return OutOfStock(message, fields={"lines": [title]})


def _save_with_unique_number(order: Order) -> None:
    """Insert with a fresh random number, without a savepoint (issue 16): a few numbers are
    drawn and the taken ones found in one query before the INSERT.

    The checkout key cannot be taken here: the customer's cart lock makes their placements
    run one after the other, and the repeat is found under it. A number taken between the
    query and the INSERT (two placements drawing the same one of 10^8 in the same instant)
    fails the INSERT and with it this request, rolled back whole; the client's retry with
    the same checkout key places the order."""
    for _ in range(8):
        drawn = {new_order_number() for _ in range(4)}
        taken = set(Order.objects.filter(number__in=drawn).values_list("number", flat=True))
        free = sorted(drawn - taken)
        if free:
            order.number = free[0]
            order.save(force_insert=True)
            return
    raise IntegrityError("no free order number after 32 draws")
