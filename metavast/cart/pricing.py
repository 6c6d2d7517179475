"""The cart as the customer sees it: current prices with VAT included, the discount, totals and
what changed.

Prices always come from the variants now; the posted form never carries a price. Each line
says whether its price moved since it was added and whether it can still be bought in that
quantity. Amounts shown are VAT-inclusive, by the one rule of `metavast.core.vat`: a line's
gross is its net plus the VAT on that net (rounded once per line), the discount is taken off
gross amounts and shared among the lines it applies to, and `total` is exactly what placing
the order charges for the goods. One query for any number of lines (plus the code's, when a
discount code is applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from metavast.cart.models import Cart, CartLine
from metavast.core.errors import DomainError
from metavast.core.vat import display_rate_basis_points, gross_amount, line_charge
from metavast.promotions.models import DiscountCode
from metavast.promotions.selectors import CartItem, discount_evaluate


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
    unit_price: int  # VAT included (shown)
    quantity: int
    line_total: int  # VAT included, before discount (shown)
    price_was: int | None  # the price when added (VAT included), if it changed since
    available: int
    problem: str = ""
    weight_grams: int = 0
    unit_net: int = 0  # the stored price, without VAT
    line_net: int = 0
    discount: int = 0  # this line's share of the discount, VAT included

    @property
    def variant(self):
        return self.line.variant

    @property
    def product(self):
        return self.line.variant.product

    @property
    def price_went_up(self) -> bool:
        return self.price_was is not None and self.unit_price > self.price_was

    @property
    def charged(self) -> int:
        return self.line_total - self.discount

    @property
    def vat(self) -> int:
        """The VAT inside what this line is charged (rule 4 of core.vat)."""
        return line_charge(self.line_net, self._basis_points, self.discount).vat

    _basis_points: int = 0


@dataclass
class PricedCart:
    cart: Cart | None
    lines: list[PricedLine] = field(default_factory=list)
    subtotal: int = 0  # goods, VAT included, before discount
    weight_grams: int = 0
    vat_basis_points: int = 0
    discount: int = 0  # VAT included
    discount_code: DiscountCode | None = None
    discount_error: DomainError | None = None  # why the applied code gives nothing now

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

    @property
    def total(self) -> int:
        """Goods after the discount, VAT included: what the order charges before shipping."""
        return self.subtotal - self.discount

    @property
    def vat(self) -> int:
        return sum(p.vat for p in self.lines)

    @property
    def applied_code(self) -> str:
        return self.cart.discount_code if self.cart else ""


def price_cart(
    cart: Cart | None, *, basis_points: int | None = None, lines: list[CartLine] | None = None
) -> PricedCart:
    """Price `cart` at `basis_points` (default: the rate of the day, for display; checkout
    passes the rate it will charge). The code's per-customer cap counts the cart's owner.
    `lines`: the cart's lines as the caller's transaction has just read and written them
    (with variant, product and category; in display order), so they are not read again."""
    if cart is None:
        return PricedCart(cart=None)
    bp = display_rate_basis_points() if basis_points is None else basis_points
    if lines is None:
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related("variant__product__category")
            .order_by("added_at", "pk")
        )
    limit = settings.CART_MAX_LINE_QUANTITY
    priced = PricedCart(cart=cart, vat_basis_points=bp)
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
        line_net = variant.price * line.quantity
        changed = line.price_when_added != variant.price
        priced.lines.append(
            PricedLine(
                line=line,
                unit_price=gross_amount(variant.price, bp),
                quantity=line.quantity,
                line_total=gross_amount(line_net, bp),
                price_was=gross_amount(line.price_when_added, bp) if changed else None,
                available=available,
                problem=problem,
                weight_grams=weight,
                unit_net=variant.price,
                line_net=line_net,
                _basis_points=bp,
            )
        )
        priced.subtotal += priced.lines[-1].line_total
        priced.weight_grams += weight
    if cart.discount_code and priced.lines:
        _apply_discount(priced, cart.user_id)
    return priced


def _apply_discount(priced: PricedCart, user_id: int | None) -> None:
    items = [
        CartItem(
            product_id=p.product.pk,
            category_path=getattr(p.product.category, "path", "") or "",
            gross=p.line_total,
        )
        for p in priced.lines
    ]
    try:
        evaluation = discount_evaluate(code=priced.cart.discount_code, items=items, user_id=user_id)
    except DomainError as exc:
        priced.discount_error = exc
        return
    priced.discount_code = evaluation.code
    priced.discount = evaluation.amount
    for p, share in zip(priced.lines, evaluation.shares, strict=True):
        p.discount = share
