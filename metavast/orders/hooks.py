"""What orders asks of the apps above it, without importing them.

Orders sits below checkout and invoices (docs/decisions/0004-import-layers.md): they import
orders, never the other way round. Where orders still needs them, the higher app fills a
slot here at start-up, from its `AppConfig.ready()`:

- **Delivery rules** (checkout). `order_place` weighs the parcel under its stock locks and
  then needs a shipping quote for it and the VAT rate of the day; the shipping methods,
  rates and VAT rates are checkout's staff-edited rules, so checkout registers the two
  functions that read them. The VAT arithmetic is `metavast.core.vat` (one rounding rule).
- **Status follow-ups** (invoices). After an order's status change commits, every
  registered follow-up is called with the order's id and new status. Each runs on its own:
  one that raises is logged and the others still run, and the status change, already
  committed, stands. A follow-up should only queue work (a task), not do it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from metavast.core import vat as core_vat

logger = logging.getLogger(__name__)


# --- delivery rules -----------------------------------------------------------------------


class ShippingQuote(Protocol):
    @property
    def method(self): ...  # the shipping method row the order points at

    @property
    def cost(self) -> int: ...  # Rials

    @property
    def allows_cod(self) -> bool: ...


@dataclass(frozen=True)
class DeliveryRules:
    # (method_id=, province=, city=, weight_grams=) -> ShippingQuote; raises a DomainError
    # when the method cannot take this parcel there.
    shipping_quote: Callable[..., ShippingQuote]
    # (date) -> the VAT rate in force that day, in basis points; raises when none is.
    vat_rate_basis_points: Callable[[dt.date], int]


_delivery_rules: DeliveryRules | None = None


def delivery_rules_register(rules: DeliveryRules) -> None:
    global _delivery_rules
    _delivery_rules = rules


def delivery_rules() -> DeliveryRules:
    if _delivery_rules is None:
        raise ImproperlyConfigured(
            "No delivery rules registered: the checkout app registers them in its ready()."
        )
    return _delivery_rules


def vat_amount(amount: int, basis_points: int) -> int:
    """VAT on `amount` Rials at `basis_points`: the one rule of `metavast.core.vat`."""
    return core_vat.vat_amount(amount, basis_points)


# --- status follow-ups --------------------------------------------------------------------

# Called as follow_up(order_id=..., status=...) after the status change commits.
StatusFollowUp = Callable[..., None]
_status_follow_ups: list[StatusFollowUp] = []


def status_follow_up_register(follow_up: StatusFollowUp) -> None:
    """Register once (a second registration of the same function is ignored)."""
    if follow_up not in _status_follow_ups:
        _status_follow_ups.append(follow_up)


def status_follow_ups_after_commit(*, order_id: int, status: str) -> None:
    """Schedule every follow-up for after the current transaction commits."""
    for follow_up in tuple(_status_follow_ups):
        transaction.on_commit(
            lambda follow_up=follow_up: _run_follow_up(follow_up, order_id, str(status))
        )


def _run_follow_up(follow_up: StatusFollowUp, order_id: int, status: str) -> None:
    try:
        follow_up(order_id=order_id, status=status)
    except Exception:
        logger.exception(
            "order status follow-up failed",
            extra={"order_id": order_id, "status": status, "follow_up": repr(follow_up)},
        )
