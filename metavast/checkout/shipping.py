"""Shipping quotes and VAT, computed from the staff-edited rules (see models.py).

A method serves an address when it is active, goes to that city (an empty city list means
everywhere) and takes the parcel's weight. Its cost is the rate for the province, or else
the rate for every province, with the smallest weight bracket that fits the parcel; no
bracket fits, no quote. VAT is charged on goods plus shipping at the rate in force on the
day, rounded per line by the one rule in `metavast.core.vat` (prices shown include it).

Orders sits below checkout and never imports it: `apps.py` hands orders `DELIVERY_RULES`
at start-up, and `order_place` prices the parcel it has weighed with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from metavast.checkout.errors import ShippingUnavailable, VatRateMissing
from metavast.checkout.models import ShippingMethod, ShippingRate, VatRate
from metavast.orders.hooks import DeliveryRules, vat_amount

__all__ = [
    "DELIVERY_RULES",
    "Quote",
    "shipping_method_with_rates",
    "shipping_quote",
    "shipping_quotes",
    "vat_amount",
    "vat_rate_basis_points",
    "vat_rate_or_none",
]


@dataclass(frozen=True)
class Quote:
    method: ShippingMethod
    cost: int

    @property
    def allows_cod(self) -> bool:
        return self.method.allows_cod


def _methods():
    return ShippingMethod.objects.active().prefetch_related(
        Prefetch("rates", queryset=ShippingRate.objects.order_by("max_weight_grams"))
    )


def _quote(method: ShippingMethod, *, province: str, city: str, weight_grams: int) -> Quote | None:
    if method.cities and city not in method.cities:
        return None
    if method.max_weight_grams is not None and weight_grams > method.max_weight_grams:
        return None
    rates = list(method.rates.all())
    for scope in (province, ""):
        fitting = [r for r in rates if r.province == scope and r.max_weight_grams >= weight_grams]
        if fitting:
            return Quote(method=method, cost=min(fitting, key=lambda r: r.max_weight_grams).cost)
        if any(r.province == scope for r in rates):
            return None  # the province has its own brackets and none fits
    return None


def shipping_quotes(*, province: str, city: str, weight_grams: int) -> list[Quote]:
    """Every method that can take this parcel to this address, in display order."""
    quotes = []
    for method in _methods():
        quote = _quote(method, province=province, city=city, weight_grams=weight_grams)
        if quote is not None:
            quotes.append(quote)
    return quotes


def shipping_method_with_rates(method_id: int) -> ShippingMethod | None:
    """The active method with its rates, as `shipping_quote` needs it (two queries), or None."""
    return _methods().filter(pk=method_id).first()


def shipping_quote(
    *,
    method_id: int,
    province: str,
    city: str,
    weight_grams: int,
    method: ShippingMethod | None = None,
) -> Quote:
    """The quote for one method. `method` is that method as `shipping_method_with_rates`
    read it earlier in the request (checkout reads it for its delivery windows), so it is
    not read twice; otherwise it is read here."""
    if method is None or method.pk != method_id:
        method = shipping_method_with_rates(method_id)
    quote = (
        _quote(method, province=province, city=city, weight_grams=weight_grams)
        if method is not None
        else None
    )
    if quote is None:
        raise ShippingUnavailable()
    return quote


def vat_rate_basis_points(on=None) -> int:
    rate = vat_rate_or_none(on)
    if rate is None:
        raise VatRateMissing()
    return rate


def vat_rate_or_none(on=None) -> int | None:
    rate = VatRate.objects.in_force(on or timezone.localdate())
    return rate.rate_basis_points if rate is not None else None


DELIVERY_RULES = DeliveryRules(
    shipping_quote=shipping_quote, vat_rate_basis_points=vat_rate_basis_points
)
