"""The one VAT rounding rule (metavast.core.vat), over random lines, rates and discounts."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from metavast.core.vat import (
    gross_amount,
    line_charge,
    net_bounds,
    share_out,
    split_gross,
    vat_amount,
)

rates = st.integers(min_value=0, max_value=10_000)  # 0 % .. 100 %, in basis points
nets = st.integers(min_value=0, max_value=10**12)


def test_vat_rounds_half_up_to_the_rial():
    assert vat_amount(1_000_000, 1000) == 100_000
    assert vat_amount(5, 1000) == 1  # 0.5 Rial rounds up
    assert vat_amount(4, 1000) == 0  # 0.4 Rial rounds down
    assert vat_amount(15, 900) == 1  # 1.35
    assert gross_amount(1_250_000, 1000) == 1_375_000


@given(net=nets, bp=rates)
@settings(max_examples=500)
def test_an_undiscounted_line_splits_back_into_its_own_net_and_vat(net, bp):
    net_back, vat = split_gross(gross_amount(net, bp), bp)
    assert (net_back, vat) == (net, vat_amount(net, bp))


@given(
    lines=st.lists(st.tuples(st.integers(1, 10**9), st.integers(1, 50)), min_size=1, max_size=12),
    bp=rates,
    data=st.data(),
)
@settings(max_examples=500)
def test_discounted_lines_add_up_and_each_vat_is_within_one_rial_of_its_rate(lines, bp, data):
    nets = [unit * quantity for unit, quantity in lines]
    grosses = [gross_amount(n, bp) for n in nets]
    eligible = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    base = sum(g for g, ok in zip(grosses, eligible, strict=True) if ok)
    discount = data.draw(st.integers(0, base))
    shares = share_out(discount, [g if ok else 0 for g, ok in zip(grosses, eligible, strict=True)])
    assert sum(shares) == discount
    charges = [line_charge(n, bp, s) for n, s in zip(nets, shares, strict=True)]
    # What the shopper saw (gross lines - discount) is what each line is charged in total.
    assert sum(c.charged for c in charges) == sum(grosses) - discount
    for c in charges:
        assert c.net_after + c.vat == c.charged
        assert 0 <= c.net_discount <= c.net  # Moadian: dis between 0 and prdis
        exact = Fraction(c.net_after * bp, 10_000)
        assert abs(c.vat - exact) <= 1, (c, bp)
        if c.discount == 0:
            assert (c.net_after, c.vat) == (c.net, vat_amount(c.net, bp))


@given(amount=st.integers(0, 10**12), weights=st.lists(st.integers(0, 10**10), max_size=20))
def test_share_out_is_exact_and_never_exceeds_a_weight(amount, weights):
    amount = min(amount, sum(weights))
    shares = share_out(amount, weights)
    assert len(shares) == len(weights)
    if sum(weights):
        assert sum(shares) == amount
    assert all(0 <= s <= w for s, w in zip(shares, weights, strict=True))


@given(net=st.integers(0, 10**10), low=st.integers(0, 10**10), span=st.integers(0, 10**9), bp=rates)
@settings(max_examples=500)
def test_a_filter_on_shown_prices_keeps_exactly_the_shown_prices_in_range(net, low, span, bp):
    high = low + span
    net_low, net_high = net_bounds(low, high, bp)
    shown = gross_amount(net, bp)
    assert (net_low <= net <= net_high) == (low <= shown <= high)
