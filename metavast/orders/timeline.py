"""The order page's timeline: what happened, then the steps still ahead (greyed).

What happened is the order's history, plus the bank attempts that did not pay (failed, or
cancelled at the bank), which live in the payments app: they are read here through the
order's reverse relation, so orders never imports payments (docs/decisions/0004). The steps
ahead follow the happy path from where the order stands; a cancelled, refunded or delivered
order has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metavast.orders.models import Order, OrderStatus, PaymentMethod

S = OrderStatus
# payments.PaymentStatus values of attempts that took no money (the strings, not the enum).
_UNPAID_ATTEMPTS = {
    "failed": "تلاش برای پرداخت ناموفق بود",
    "cancelled": "پرداخت در درگاه بانک لغو شد",
}
_ONLINE_PATH = (S.AWAITING_PAYMENT, S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED)
_COD_PATH = (S.PROCESSING, S.SHIPPED, S.DELIVERED)
# Where a side status sits on the path: on hold for information is still before packing.
_POSITION_OF = {S.AWAITING_INFO: S.PAID}
_AHEAD_LABELS = {
    S.PAID: "پرداخت",
    S.PROCESSING: "آماده‌سازی",
    S.SHIPPED: "ارسال",
    S.DELIVERED: "تحویل",
}


@dataclass(frozen=True)
class Step:
    # "change" (status changed), "event" (a note, status unchanged), "failed" (a bank
    # attempt that took no money), "ahead" (not reached yet: no time).
    kind: str
    text: str
    at: dt.datetime | None = None


def _history_text(change) -> str:
    label = change.get_to_status_display()
    if not change.from_status:
        return f"ثبت سفارش — {label}"
    if change.is_status_change:
        return f"{label} — {change.note}" if change.note else label
    return change.note


def steps_ahead(order: Order) -> list[Step]:
    path = _COD_PATH if order.payment_method == PaymentMethod.COD else _ONLINE_PATH
    here = _POSITION_OF.get(order.status, order.status)
    if here not in path:  # cancelled or refunded: nothing lies ahead
        return []
    return [Step("ahead", _AHEAD_LABELS[s]) for s in path[path.index(here) + 1 :]]


def order_timeline(order: Order) -> list[Step]:
    """History (prefetched on `order`) and unpaid bank attempts by time, then the steps ahead.
    One query for the attempts."""
    done = [
        (
            change.created_at,
            Step(
                "change" if change.is_status_change else "event",
                _history_text(change),
                change.created_at,
            ),
        )
        for change in order.history.all()
    ]
    attempts = order.payments.filter(status__in=list(_UNPAID_ATTEMPTS)).only("status", "updated_at")
    done += [
        (attempt.updated_at, Step("failed", _UNPAID_ATTEMPTS[attempt.status], attempt.updated_at))
        for attempt in attempts
    ]
    done.sort(key=lambda pair: pair[0])
    return [step for _, step in done] + steps_ahead(order)
