"""Random carts placed and invoiced: the invoice adds up to the amount charged and to the
order total, to the Rial, whatever the prices, quantities, VAT rate, shipping and discount
(docs/money.md, the rule in metavast.core.vat)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metavast.cart.models import Cart
from metavast.cart.pricing import price_cart
from metavast.cart.services import cart_apply_discount_code, cart_get_or_create
from metavast.checkout.models import ShippingRate, VatRate
from metavast.core.vat import display_rate_forget, gross_amount
from metavast.invoices.services import invoice_issue_for_order
from metavast.orders.services import order_mark_paid
from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, method, place
from metavast.promotions.tests.factories import make_code

pytestmark = pytest.mark.django_db

_payments = iter(range(880_000, 990_000))

carts = st.lists(st.tuples(st.integers(1, 400_000_000), st.integers(1, 5)), min_size=1, max_size=5)
discounts = st.one_of(
    st.none(),
    st.tuples(st.just("percent"), st.integers(1, 100)),
    st.tuples(st.just("fixed"), st.integers(1, 2_000_000_000)),
)


@given(
    lines=carts,
    rate=st.sampled_from([0, 900, 1000, 1234, 1500, 10_000]) | st.integers(0, 10_000),
    shipping=st.integers(0, 9_999_999),
    discount=discounts,
    only_first=st.booleans(),
)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_invoice_equals_amount_charged_equals_order_total(
    shop, lines, rate, shipping, discount, only_first
):
    VatRate.objects.update(rate_basis_points=rate)
    display_rate_forget()
    ShippingRate.objects.filter(method=method()).update(cost=shipping)
    buyer = make_customer()
    variants = [make_variant(price=price, on_hand=10) for price, _ in lines]
    fill_cart(buyer, *[(v, q) for v, (_, q) in zip(variants, lines, strict=True)])
    cart = cart_get_or_create(user=buyer)
    if discount is not None:
        kind, value = discount
        code = make_code(
            percent=value if kind == "percent" else None,
            amount=value if kind == "fixed" else None,
            products=[variants[0].product] if only_first else (),
        )
        cart_apply_discount_code(cart=cart, code=code.code)
    shown = price_cart(Cart.objects.get(pk=cart.pk), basis_points=rate)
    shown_total = shown.subtotal - shown.discount + gross_amount(shipping, rate)

    order = place(buyer)
    paid = order_mark_paid(order_id=order.pk, payment_id=next(_payments))
    invoice = invoice_issue_for_order(order_id=order.pk)
    invoice_lines = list(invoice.lines.all())

    # What the shopper saw == the order total == what the bank is asked for == the invoice.
    assert order.total == shown_total == paid.total
    assert invoice.total == order.total == sum(line.line_total for line in invoice_lines)
    assert invoice.vat == order.vat == sum(line.vat_amount for line in invoice_lines)
    assert invoice.discount == order.discount == sum(line.discount for line in invoice_lines)
    assert invoice.subtotal == order.subtotal + order.shipping_cost
    for line in invoice_lines:
        assert line.net_amount == line.unit_price * line.quantity - line.discount
        assert abs(line.vat_amount - Fraction(line.net_amount * rate, 10_000)) <= 1
    # Each order line's charged amount is its VAT-inclusive price less its share.
    for order_line, priced in zip(
        order.lines.order_by("variant_id"),
        sorted(shown.lines, key=lambda p: p.variant.pk),
        strict=True,
    ):
        assert order_line.charged == priced.line_total - priced.discount
