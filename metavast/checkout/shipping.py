"""Shipping quotes and VAT, computed from the staff-edited rules (see models.py).

A method serves an address when it is active, goes to that city (an empty city list means
everywhere) and takes the parcel's weight. Its cost is the rate for the province, or else
the rate for every province, with the smallest weight bracket that fits the parcel; no
bracket fits, no quote. VAT is charged on goods plus shipping at the rate in force on the
day, rounded per line by the one rule in `metavast.core.vat` (prices shown include it).

Orders sits below checkout and never imports it: `apps.py` hands orders `DELIVERY_RULES`
at start-up, and `order_place` prices the parcel it has weighed with them.

The rules are a handful of rows that staff change rarely and every placement reads (three
queries: the method, its rates, the VAT rate; issue 16). This process keeps them, all
active methods with their rates and every VAT rate, and checks them against a version in the
shared cache. Every save or delete of a method, a rate or a VAT rate bumps that version, at
after its commit (`rules_changed`, connected in apps.py), so no process prices with rules
older than the last committed change (the moment between a commit and its bump is the same
as a placement that ran just before the change), and each copy is read again after
RULES_MAX_AGE anyway. A transaction that changed the rules, and any process that cannot
read the version (the cache is down), reads them from the database, as before.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from metavast.checkout.errors import ShippingUnavailable, VatRateMissing
from metavast.checkout.models import ShippingMethod, ShippingRate, VatRate
from metavast.orders.hooks import DeliveryRules, vat_amount

logger = logging.getLogger(__name__)

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


# --- the rules, kept in this process -------------------------------------------------------

RULES_VERSION_KEY = "checkout:rules:v"
RULES_MAX_AGE = 60.0  # seconds: read again at least this often, bumped or not


@dataclass(frozen=True)
class _Rules:
    version: int
    read_at: float  # time.monotonic()
    methods: tuple[ShippingMethod, ...]  # active, in display order, rates prefetched
    vat_rates: tuple[tuple, ...]  # (starts_on, basis points), latest first


_rules: _Rules | None = None


def _rules_version() -> int | None:
    try:
        version = cache.get(RULES_VERSION_KEY)
        if version is None:
            seed = time.time_ns()
            version = seed if cache.add(RULES_VERSION_KEY, seed, None) else None
            version = version or cache.get(RULES_VERSION_KEY)
    except Exception:
        return None
    return int(version) if version is not None else None


def _current_rules() -> _Rules | None:
    """The rules as of the shared version, read again when it moved; None without one."""
    global _rules
    if _changed_here():
        return None
    version = _rules_version()
    if version is None:
        return None
    rules = _rules
    if (
        rules is None
        or rules.version != version
        or time.monotonic() - rules.read_at > RULES_MAX_AGE
    ):
        rules = _Rules(
            version=version,
            read_at=time.monotonic(),
            methods=tuple(_methods()),
            vat_rates=tuple(
                VatRate.objects.order_by("-starts_on").values_list("starts_on", "rate_basis_points")
            ),
        )
        _rules = rules
    return rules


def _bump() -> None:
    try:
        cache.set(RULES_VERSION_KEY, time.time_ns(), None)
    except Exception:
        # A lost bump leaves other processes on their copy for at most RULES_MAX_AGE.
        logger.warning("checkout rules version not bumped", exc_info=True)


class _BumpAfterCommit:
    def __init__(self) -> None:
        self.is_done = False

    def __call__(self) -> None:
        self.is_done = True
        _bump()


def rules_changed(**_signal) -> None:
    """A method, rate or VAT rate was saved or deleted (connected in apps.py): the version
    moves when that commits. Until then this transaction reads the rules from the database
    (`_changed_here`), and a rollback leaves every copy as it was."""
    transaction.on_commit(_BumpAfterCommit())


def _changed_here() -> bool:
    """Has this transaction changed the rules, not committed yet?"""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        isinstance(entry[1], _BumpAfterCommit) and not entry[1].is_done
        for entry in connection.run_on_commit
    )


def _active_methods() -> list[ShippingMethod]:
    rules = _current_rules()
    if rules is None:
        return list(_methods())
    # Copies: the caller may attach the method to an order; the kept rows stay as read.
    return [copy.copy(method) for method in rules.methods]


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
    for method in _active_methods():
        quote = _quote(method, province=province, city=city, weight_grams=weight_grams)
        if quote is not None:
            quotes.append(quote)
    return quotes


def shipping_method_with_rates(method_id: int) -> ShippingMethod | None:
    """The active method with its rates, as `shipping_quote` needs it, or None."""
    return next((m for m in _active_methods() if m.pk == method_id), None)


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
    """The rate in force on `on` (the latest that started by then), as `VatRate.in_force`."""
    on = on or timezone.localdate()
    rules = _current_rules()
    if rules is None:
        rate = VatRate.objects.in_force(on)
        return rate.rate_basis_points if rate is not None else None
    return next((bp for starts_on, bp in rules.vat_rates if starts_on <= on), None)


DELIVERY_RULES = DeliveryRules(
    shipping_quote=shipping_quote, vat_rate_basis_points=vat_rate_basis_points
)
