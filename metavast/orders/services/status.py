"""The order's state machine: `order_set_status` is the one function that changes status.

It locks the order row, checks the move against `TRANSITIONS`, moves stock as the move
requires (release on cancelling an unpaid order, commit on payment, restock on cancelling
a paid order that was not shipped), stamps the time, writes a history row and an audit
event, and queues the customer's notification; notifications are written to the outbox in
this transaction and delivered only after it commits. A cancellation also closes the
order's open information request (P3). After the change commits, the status follow-ups
that higher apps registered in `orders.hooks` run (invoices issue and reverse invoices).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.core.money import format_rial, format_toman
from metavast.notifications.services import notify, send_to_address
from metavast.orders import hooks
from metavast.orders.errors import (
    OrderAlreadyPaid,
    OrderNotCancellable,
    OrderNotFound,
    OrderNotPayable,
    RefundNotDue,
    TrackingCodeRequired,
    TransitionNotAllowed,
)
from metavast.orders.models import (
    CUSTOMER_CANCELLABLE,
    HOLDS_COMMITTED_STOCK,
    HOLDS_RESERVED_STOCK,
    TRANSITIONS,
    CancelReason,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderStatus,
    OrderStatusChange,
    PaymentMethod,
)
from metavast.orders.services import stock
from metavast.promotions.services import discount_release

logger = logging.getLogger(__name__)

S = OrderStatus
# Fields a status change may set beside the status (anything else is a programming error).
SETTABLE = frozenset(
    {
        "tracking_code",
        "paid_payment_id",
        "cancel_reason",
        "refund_reference",
        "refunded_amount",
    }
)
STAMPS = {
    S.PAID: "paid_at",
    S.PROCESSING: "processing_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.CANCELLED: "cancelled_at",
    S.REFUNDED: "refunded_at",
}
# Fields whose values are not personal and may go into the audit trail.
AUDITABLE = frozenset({"tracking_code", "paid_payment_id", "cancel_reason", "refunded_amount"})


def _actor_user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def lock_order(order_id: int) -> Order:
    # The customer comes in the same query (not locked): every status change notifies them.
    # No ORDER BY for a primary key (`first()` would sort by the model's ordering): building
    # it was a fifth of this statement's CPU, on every status change (issue 16).
    rows = (
        Order.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=order_id)
        .order_by()[:1]
    )
    order = next(iter(rows), None)
    if order is None:
        raise OrderNotFound()
    return order


def history_add(*, order: Order, from_status: str, to_status: str, actor, note: str = ""):
    return OrderStatusChange.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=_actor_user(actor),
        note=note[:300],
    )


def _move_stock(order: Order, frm: str, to: str, actor) -> None:
    lines = list(order.lines.all())
    if to == S.PAID and frm in HOLDS_RESERVED_STOCK:
        stock.commit_lines(lines)
    elif to == S.CANCELLED and frm in HOLDS_RESERVED_STOCK:
        stock.release_lines(lines)
    elif to == S.CANCELLED and frm in HOLDS_COMMITTED_STOCK:
        stock.restock_lines(lines, actor=actor)


def order_link(order: Order) -> str:
    """An absolute link to the order page for messages; empty when SITE_URL is not set."""
    return f"{settings.SITE_URL}{order.get_absolute_url()}" if settings.SITE_URL else ""


def _notify(order: Order, to: str) -> None:
    number = {"order_number": order.number}
    if to == S.PAID:
        notify(user=order.user, template="orders/paid", context=number)
    elif to == S.AWAITING_INFO:
        context = {**number, "link": order_link(order)}
        notify(user=order.user, template="orders/info_requested", context=context)
    elif to == S.CANCELLED:
        context = {
            **number,
            "reason": order.get_cancel_reason_display() if order.cancel_reason else "",
            "refund_due": order.refund_due,
            "link": order_link(order),
        }
        notify(user=order.user, template="orders/cancelled", context=context)
    elif to == S.SHIPPED:
        context = {**number, "tracking_code": order.tracking_code}
        notify(user=order.user, template="orders/shipped", context=context)
        if not order.receiver_is_self and order.receiver_mobile:
            # P4: the receiver's one message, through the one door for it.
            send_to_address(
                channel="sms",
                address=order.receiver_mobile,
                template="orders/receiver_shipping",
                context={**context, "shop_name": settings.SHOP_NAME},
                purpose="order_shipping",
            )
    elif to == S.DELIVERED:
        notify(user=order.user, template="orders/delivered", context=number)


@transaction.atomic
def order_set_status(*, order: Order, to: str, actor, note: str = "", **fields) -> Order:
    """Move `order` to status `to`; raises TransitionNotAllowed. Returns the locked row."""
    unknown = set(fields) - SETTABLE
    if unknown:
        raise TypeError(f"order_set_status cannot set {sorted(unknown)}")
    to = OrderStatus(to)
    locked = lock_order(order.pk)
    changed = _change_status(locked, to, actor=actor, note=note, **fields)
    # The caller's instance follows the row it asked to change.
    if order is not locked:
        for name in {*changed, "refund_due"}:
            setattr(order, name, getattr(locked, name))
    return locked


def _change_status(locked: Order, to: OrderStatus, *, actor, note: str = "", **fields) -> list[str]:
    """The body of `order_set_status`, on a row this transaction has already locked.
    Returns the names of the fields it changed."""
    frm = locked.status
    if to not in TRANSITIONS[frm]:
        raise TransitionNotAllowed(fields={"status": [f"{frm} → {to}"]})
    _move_stock(locked, frm, to, actor)
    now = timezone.now()
    locked.status = to
    changed = ["status"]
    for name, value in fields.items():
        setattr(locked, name, value)
        changed.append(name)
    stamp = STAMPS.get(to)
    if stamp:
        setattr(locked, stamp, now)
        changed.append(stamp)
    if to == S.CANCELLED:
        locked.refund_due = locked.paid_at is not None
        changed.append("refund_due")
        if locked.paid_at is None:
            # Nothing was paid: a discount code it used gets that use back.
            discount_release(order_id=locked.pk)
        # An open information request ends with the order (P3).
        InfoRequest.objects.filter(order=locked, status=InfoRequestStatus.OPEN).update(
            status=InfoRequestStatus.WITHDRAWN
        )
    elif to == S.REFUNDED:
        locked.refund_due = False
        changed.append("refund_due")
    locked.save(update_fields=changed)
    history_add(order=locked, from_status=frm, to_status=to, actor=actor, note=note)
    audit_record(
        action="orders.status_changed",
        actor=_actor_user(actor),
        subject=locked,
        before={"status": frm},
        after={"status": str(to), **{k: v for k, v in fields.items() if k in AUDITABLE}},
    )
    _notify(locked, to)
    hooks.status_follow_ups_after_commit(order_id=locked.pk, status=to)
    return changed


# --- named moves ------------------------------------------------------------------------


@transaction.atomic
def order_mark_paid(*, order_id: int, payment_id: int) -> Order:
    """A verified payment paid this order.

    Paid by this same payment already: returns the order unchanged. Paid by another
    payment: OrderAlreadyPaid. Expired, cancelled or cash on delivery: OrderNotPayable;
    the payments app then flags the payment for refund and tells the customer.
    """
    return order_mark_paid_locked(order=lock_order(order_id), payment_id=payment_id)


def order_mark_paid_locked(*, order: Order, payment_id: int) -> Order:
    """`order_mark_paid` on an order row the caller's transaction has locked (with its user),
    as payments does in the query that locks the payment. No savepoint of its own: the
    refusals are raised before anything is written, so the caller may catch them and go on."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("order_mark_paid_locked needs a transaction")
    if order.paid_payment_id is not None:
        if order.paid_payment_id == payment_id:
            return order
        raise OrderAlreadyPaid()
    if order.status != S.AWAITING_PAYMENT or order.payment_method != PaymentMethod.ONLINE:
        raise OrderNotPayable()
    # Past expires_at but not yet swept: its stock is still reserved, so the payment stands.
    # The row is locked above; the status change runs on it without locking it again.
    _change_status(order, S.PAID, actor=None, paid_payment_id=payment_id)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str, note: str = "") -> Order:
    """Cancel; a customer may do so only before processing starts."""
    locked = lock_order(order.pk)
    reason = CancelReason(reason)
    if reason == CancelReason.CUSTOMER and locked.status not in CUSTOMER_CANCELLABLE:
        raise OrderNotCancellable()
    if S.CANCELLED not in TRANSITIONS[locked.status]:
        raise OrderNotCancellable()
    return order_set_status(
        order=order,
        to=S.CANCELLED,
        actor=actor,
        note=note or reason.label,
        cancel_reason=reason,
    )


def order_expire(*, order_id: int, now=None) -> Order | None:
    """Cancel one unpaid order whose time ran out; None if it was paid or cancelled first."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status != S.AWAITING_PAYMENT or not order.expires_at or order.expires_at > now:
            return None
        return order_set_status(
            order=order,
            to=S.CANCELLED,
            actor=None,
            note=CancelReason.EXPIRED.label,
            cancel_reason=CancelReason.EXPIRED,
        )


def orders_expire_due(*, now=None, batch: int = 500) -> int:
    """The periodic sweep: each order in its own transaction, so one failure stops none."""
    now = now or timezone.now()
    ids = list(
        Order.objects.expired_unpaid(now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:batch]
    )
    expired = 0
    for order_id in ids:
        try:
            if order_expire(order_id=order_id, now=now) is not None:
                expired += 1
        except Exception:
            logger.exception("order expiry failed", extra={"order_id": order_id})
    return expired


def order_start_processing(*, order: Order, actor, note: str = "") -> Order:
    return order_set_status(order=order, to=S.PROCESSING, actor=actor, note=note)


def order_mark_shipped(*, order: Order, actor, tracking_code: str) -> Order:
    tracking_code = (tracking_code or "").strip()
    if not tracking_code or len(tracking_code) > 64:
        raise TrackingCodeRequired(fields={"tracking_code": ["کد رهگیری لازم است."]})
    return order_set_status(order=order, to=S.SHIPPED, actor=actor, tracking_code=tracking_code)


def order_mark_delivered(*, order: Order, actor) -> Order:
    return order_set_status(order=order, to=S.DELIVERED, actor=actor)


def order_refundable_amount(order: Order) -> int:
    """The most that may still be recorded as sent back, in Rials (0: no refund is open).

    A cancelled paid order owes its whole total: the credit note issued at cancellation
    reverses all of it, so refunds add up to the total and only then is the order REFUNDED.
    A delivered order that came back (in part) may be refunded up to its total; once
    REFUNDED for part of it, a later return may still add to that, up to the total.
    """
    refunded = order.refunded_amount or 0
    if order.status == S.CANCELLED:
        return order.total - refunded if order.refund_due else 0
    if order.status == S.DELIVERED:
        return order.total - refunded
    if order.status == S.REFUNDED and order.refunded_amount is not None:
        return max(order.total - refunded, 0)
    return 0


@transaction.atomic
def order_record_refund(*, order: Order, actor, reference: str, amount: int | None = None) -> Order:
    """Staff record money sent back: to a cancelled paid order, or a delivered one returned.

    Refunds add up in `refunded_amount` and never pass what may still go back
    (`order_refundable_amount`; no amount: all of it). A cancelled order stays CANCELLED with
    `refund_due` set until the refunds reach its total, and only then becomes REFUNDED. A
    delivered order becomes REFUNDED at its first refund (staff decide what came back and
    reverse those lines on the invoice); a later refund of it adds to the amount. Each refund
    that does not change the status is a history row and an audit event of its own.
    `refund_reference` keeps the latest reference (it may be the customer's IBAN: never in
    the history, which the customer reads, nor in the audit trail).
    """
    locked = lock_order(order.pk)
    room = order_refundable_amount(locked)
    if room <= 0:
        raise RefundNotDue()
    amount = room if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundNotDue(fields={"amount": ["مبلغ بازپرداخت باید عددی بزرگ‌تر از صفر باشد."]})
    if amount > room:
        message = (
            f"مبلغ بازپرداخت بیش از مبلغی است که هنوز باید بازگردانده شود ({format_rial(room)})."
        )
        raise RefundNotDue(message, fields={"amount": [message]})
    reference = (reference or "").strip()[:64]
    refunded = (locked.refunded_amount or 0) + amount
    if locked.status == S.DELIVERED or (locked.status == S.CANCELLED and refunded == locked.total):
        return order_set_status(
            order=order,
            to=S.REFUNDED,
            actor=actor,
            refund_reference=reference,
            refunded_amount=refunded,
        )
    # A refund that leaves the status as it is: part of a cancelled order's money, or a
    # further return on an order already REFUNDED in part.
    frm = locked.status
    before = locked.refunded_amount
    locked.refunded_amount = refunded
    locked.refund_reference = reference
    locked.save(update_fields=["refunded_amount", "refund_reference"])
    left = locked.total - refunded
    note = f"بازپرداخت {format_toman(amount)} ثبت شد"
    note += f"؛ {format_toman(left)} مانده است." if frm == S.CANCELLED else "."
    history_add(order=locked, from_status=frm, to_status=frm, actor=actor, note=note)
    audit_record(
        action="orders.status_changed",
        actor=_actor_user(actor),
        subject=locked,
        before={"status": frm, "refunded_amount": before},
        after={"status": frm, "refunded_amount": refunded, "refund": amount},
    )
    if frm == S.REFUNDED and left == 0:
        # Everything went back in the end: the invoice is reversed in full, as for an order
        # refunded at once (invoices' follow-up reverses what no credit note covers yet).
        hooks.status_follow_ups_after_commit(order_id=locked.pk, status=frm)
    if order is not locked:
        order.refunded_amount = refunded
        order.refund_reference = reference
    return locked
