"""The cart as the customer sees it: current prices, totals and what changed.

Prices always come from the variants now; the posted form never carries a price. Each line
says whether its price moved since it was added and whether it can still be bought in that
quantity. One query for any number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from metavast.cart.models import Cart, CartLine


def unit_weight_grams(variant) -> int:
    """The catalog has no weight yet: a configured default stands in for it."""
    weight = getattr(variant, "weight_grams", None)
    return int(weight) if weight else settings.SHIPPING_DEFAULT_WEIGHT_GRAMS


class Problem:
    UNAVAILABLE = "unavailable"  # not on sale any more, or sold out
    SHORT = "short"  # fewer units left than the line asks for
    OVER_LIMIT = "over_limit"  # above the per-line limit (the limit was lowered)


@dataclass
class PricedLine:
    line: CartLine
    unit_price: int
    quantity: int
    line_total: int
    price_was: int | None  # the price when added, if it changed since
    available: int
    problem: str = ""
    weight_grams: int = 0

    @property
    def variant(self):
        return self.line.variant

    @property
    def product(self):
        return self.line.variant.product

    @property
    def price_went_up(self) -> bool:
        return self.price_was is not None and self.unit_price > self.price_was


@dataclass
class PricedCart:
    cart: Cart | None
    lines: list[PricedLine] = field(default_factory=list)
    subtotal: int = 0
    weight_grams: int = 0

    @property
    def count(self) -> int:
        return sum(p.quantity for p in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(p.problem for p in self.lines)

    @property
    def has_price_changes(self) -> bool:
        return any(p.price_was is not None for p in self.lines)

    @property
    def version(self) -> int:
        return self.cart.version if self.cart else 0


def price_cart(cart: Cart | None) -> PricedCart:
    if cart is None:
        return PricedCart(cart=None)
    lines = list(
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product")
        .order_by("added_at", "pk")
    )
    limit = settings.CART_MAX_LINE_QUANTITY
    priced = PricedCart(cart=cart)
    for line in lines:
        variant = line.variant
        buyable = variant.is_active and variant.product.is_on_sale
        available = variant.available if buyable else 0
        problem = ""
        if available <= 0:
            problem = Problem.UNAVAILABLE
        elif line.quantity > available:
            problem = Problem.SHORT
        elif line.quantity > limit:
            problem = Problem.OVER_LIMIT
        weight = unit_weight_grams(variant) * line.quantity
        priced.lines.append(
            PricedLine(
                line=line,
                unit_price=variant.price,
                quantity=line.quantity,
                line_total=variant.price * line.quantity,
                price_was=line.price_when_added if line.price_when_added != variant.price else None,
                available=available,
                problem=problem,
                weight_grams=weight,
            )
        )
        priced.subtotal += variant.price * line.quantity
        priced.weight_grams += weight
    return priced
