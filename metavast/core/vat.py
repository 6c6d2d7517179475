"""VAT-inclusive prices: the one rounding rule, and the rate of the day for display.

Prices are stored net (without VAT) in integer Rials; the shopper sees and pays gross
amounts (VAT included). Every gross amount, charged amount and invoice split in the shop
follows this rule (docs/money.md says the same):

1. VAT on a net amount is ``vat_amount(net, bp) = round_half_up(net * bp / 10000)``
   (bp: the rate in basis points, 1000 = 10 %).
2. A line's gross amount is ``gross_amount(unit net * quantity)``: VAT is rounded once per
   line, never per unit and then multiplied. A unit price shown on a product page is the
   same rule applied to one unit. Shipping is a line of its own.
3. A discount is taken off gross amounts, the ones the shopper sees, and shared among the
   lines it applies to by the largest-remainder method (`share_out`). A line is charged
   ``T = gross - its share``.
4. The invoice splits each charged amount T into ``net = round_half_up(T * 10000 /
   (10000 + bp))`` and ``VAT = T - net`` (`split_gross`); the line's discount is its net
   before discount minus that net. For a line without discount this gives back exactly
   the net and ``vat_amount(net)`` of rule 1; with one, the VAT is within half a Rial
   times (1 + rate) of the rate on the net, so within one Rial for any rate up to 100 %.
5. An order's VAT is the sum of its lines' VATs and its total the sum of the charged
   amounts: what the shopper saw (lines + shipping - discount) is what is charged and what
   the invoice adds up to, to the Rial.

The rate is staff-edited and dated (checkout's `VatRate`). Catalog, cart and the shopper
API sit below checkout, so checkout registers a provider here at start-up; the rate of the
day is cached for a short while (staff saving a rate clears it) because every listing and
product page needs it. Placing an order reads the rate from the database, not the cache.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

BASIS = 10_000
_CACHE_SECONDS = 60


def vat_amount(net: int, basis_points: int) -> int:
    """VAT on `net` Rials at `basis_points` (1000 = 10 %), rounded half up to the Rial."""
    return (net * basis_points + BASIS // 2) // BASIS


def gross_amount(net: int, basis_points: int) -> int:
    """What the shopper sees and pays for `net` Rials (rule 1 and 2)."""
    return net + vat_amount(net, basis_points)


def split_gross(gross: int, basis_points: int) -> tuple[int, int]:
    """(net, VAT) of a charged amount (rule 4): net rounded half up, VAT the rest."""
    divisor = BASIS + basis_points
    net = (2 * gross * BASIS + divisor) // (2 * divisor)
    return net, gross - net


def net_bounds(
    low: int | None, high: int | None, basis_points: int
) -> tuple[int | None, int | None]:
    """Net price bounds for a filter on shown (gross) prices: gross_amount(n) >= low exactly
    when n >= the first bound, and gross_amount(n) <= high exactly when n <= the second."""

    def first_net_reaching(target: int) -> int:
        n = max(0, target * BASIS // (BASIS + basis_points) - 1)
        while gross_amount(n, basis_points) < target:
            n += 1
        return n

    net_low = first_net_reaching(low) if low is not None else None
    net_high = first_net_reaching(high + 1) - 1 if high is not None else None
    return net_low, net_high


def share_out(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` in proportion to `weights`, exactly, by largest remainder (ties to
    the earlier weight). No share exceeds its weight when amount <= sum(weights)."""
    total = sum(weights)
    if not weights or total <= 0 or amount <= 0:
        return [0] * len(weights)
    exact = [amount * w for w in weights]
    shares = [value // total for value in exact]
    left = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % total), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


@dataclass(frozen=True)
class LineCharge:
    """One line under the rule: what is shown, what is charged, and the invoice's split."""

    net: int  # unit net x quantity, before discount
    gross: int  # shown: net + VAT (rule 2)
    discount: int  # this line's share of the discount, VAT included (rule 3)
    charged: int  # gross - discount
    net_after: int  # the invoice's net after discount (rule 4)
    vat: int  # charged - net_after

    @property
    def net_discount(self) -> int:
        """The invoice line's discount (Moadian `dis`): net before minus net after."""
        return self.net - self.net_after


def line_charge(net: int, basis_points: int, discount: int = 0) -> LineCharge:
    """Rules 2 to 4 for one line; `discount` (VAT included) is at most the line's gross."""
    gross = gross_amount(net, basis_points)
    if not 0 <= discount <= gross:
        raise ValueError("a line's discount is between 0 and its gross amount")
    charged = gross - discount
    net_after, vat = split_gross(charged, basis_points)
    return LineCharge(
        net=net, gross=gross, discount=discount, charged=charged, net_after=net_after, vat=vat
    )


# --- the rate of the day, for display -------------------------------------------------------

_rate_provider: Callable[[dt.date], int | None] | None = None


def rate_provider_register(provider: Callable[[dt.date], int | None]) -> None:
    """Checkout registers the function that reads its staff-edited rates (None: no rate)."""
    global _rate_provider
    _rate_provider = provider


def _cache_key(on: dt.date) -> str:
    return f"vat:rate:{on.isoformat()}"


# A listing prices dozens of cards: the process keeps the rate for a second or two, so a page
# asks the shared cache once, not once per card.
_LOCAL_SECONDS = 2.0
_local: dict[dt.date, tuple[float, int]] = {}


def display_rate_basis_points(on: dt.date | None = None) -> int:
    """The rate to show prices with today (0 when no rate is in force or none registered:
    checkout refuses to place an order then, so nothing is charged at a wrong rate)."""
    on = on or timezone.localdate()
    now = time.monotonic()
    local = _local.get(on)
    if local is not None and local[0] > now:
        return local[1]
    key = _cache_key(on)
    cached = cache.get(key)
    if cached is None:
        rate = _rate_provider(on) if _rate_provider is not None else None
        cached = int(rate or 0)
        cache.set(key, cached, _CACHE_SECONDS)
    _local[on] = (now + _LOCAL_SECONDS, int(cached))
    return int(cached)


def display_rate_forget() -> None:
    """A rate was edited: the next page reads it again (today's and tomorrow's key)."""
    today = timezone.localdate()
    _local.clear()
    cache.delete_many([_cache_key(today), _cache_key(today + dt.timedelta(days=1))])


def display_gross(net: int | None, basis_points: int | None = None) -> int | None:
    """A stored net price as the shopper sees it, at the rate of the day."""
    if net is None:
        return None
    bp = display_rate_basis_points() if basis_points is None else basis_points
    return gross_amount(int(net), bp)
