"""A customer cancelling: at once while nothing is paid, by request once money was taken.

An unpaid order (online and not paid yet, or cash on delivery) is cancelled as soon as the
customer confirms. A paid one cannot be: the money must go back to the card it came from,
and staff may already be packing it. The customer's confirmation then opens a
`CancellationRequest` (one pending per order, a database constraint: a double click finds
the first) that staff approve or refuse in the back office. Approval cancels the order
through `order_set_status`, which marks the refund due (the refund staff then record with
`order_record_refund`) and tells the customer; refusal keeps the order as it is and tells
the customer why. Locks: the order row first, then the request row, always.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.notifications.services import notify
from metavast.orders.errors import (
    CancellationRequestNotPending,
    OrderNotCancellable,
    RefusalReasonRequired,
)
from metavast.orders.models import (
    CANCELLATION_TRANSITIONS,
    CUSTOMER_CANCELLABLE,
    TRANSITIONS,
    CancellationRequest,
    CancellationRequestStatus,
    CancelReason,
    Order,
    OrderStatus,
)
from metavast.orders.services.status import (
    _actor_user,
    history_add,
    lock_order,
    order_cancel,
    order_link,
    order_set_status,
)

CR = CancellationRequestStatus


@dataclass(frozen=True)
class CustomerCancel:
    order: Order
    # Set when the order was paid: staff decide, the order is unchanged for now.
    request: CancellationRequest | None = None


@transaction.atomic
def order_customer_cancel(*, order: Order, actor) -> CustomerCancel:
    """The customer confirmed «لغو سفارش»: cancel an unpaid order, or ask for a paid one."""
    locked = lock_order(order.pk)
    if locked.status not in CUSTOMER_CANCELLABLE:
        raise OrderNotCancellable()
    if locked.paid_at is None:
        return CustomerCancel(
            order=order_cancel(order=order, actor=actor, reason=CancelReason.CUSTOMER)
        )
    pending = locked.cancellation_requests.filter(status=CR.PENDING).first()
    if pending is not None:  # asked already (a second tab, a double click)
        return CustomerCancel(order=locked, request=pending)
    request = CancellationRequest.objects.create(
        order=locked, refund_amount=locked.total, requested_by=_actor_user(actor)
    )
    history_add(
        order=locked,
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        note="درخواست لغو ثبت شد و در انتظار بررسی فروشگاه است",
    )
    audit_record(
        action="orders.cancellation_requested",
        actor=_actor_user(actor),
        subject=locked,
        after={"request": request.pk, "refund_amount": request.refund_amount},
    )
    notify(
        user=locked.user,
        template="orders/cancellation_requested",
        context={
            "order_number": locked.number,
            "refund_amount": request.refund_amount,
            "link": order_link(locked),
        },
    )
    return CustomerCancel(order=locked, request=request)


def _lock_request(request_id: int) -> tuple[Order, CancellationRequest]:
    order_id = CancellationRequest.objects.values_list("order_id", flat=True).get(pk=request_id)
    order = lock_order(order_id)
    request = CancellationRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    return order, request


def _decide(request: CancellationRequest, to: str, actor) -> None:
    if to not in CANCELLATION_TRANSITIONS[request.status]:
        raise CancellationRequestNotPending()
    request.status = to
    request.decided_by = _actor_user(actor)
    request.decided_at = timezone.now()


@transaction.atomic
def cancellation_request_approve(*, request_id: int, actor) -> CancellationRequest:
    """Staff approve: the order is cancelled and its refund is due (staff record it)."""
    order, request = _lock_request(request_id)
    _decide(request, CR.APPROVED, actor)
    if OrderStatus.CANCELLED not in TRANSITIONS[order.status]:
        raise OrderNotCancellable(
            "این سفارش دیگر قابل لغو نیست (ارسال شده است)؛ درخواست را با ذکر دلیل رد کنید."
        )
    request.save(update_fields=["status", "decided_by", "decided_at"])
    order_set_status(
        order=order,
        to=OrderStatus.CANCELLED,
        actor=actor,
        note="به درخواست مشتری، با تأیید فروشگاه",
        cancel_reason=CancelReason.CUSTOMER,
    )
    audit_record(
        action="orders.cancellation_approved",
        actor=_actor_user(actor),
        subject=order,
        before={"request_status": CR.PENDING.value},
        after={
            "request": request.pk,
            "request_status": CR.APPROVED.value,
            "refund_amount": request.refund_amount,
        },
    )
    return request


@transaction.atomic
def cancellation_request_refuse(*, request_id: int, actor, reason: str) -> CancellationRequest:
    """Staff refuse, saying why; the order stays as it is and the customer is told."""
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 300:
        raise RefusalReasonRequired(fields={"reason": [str(RefusalReasonRequired.message)]})
    order, request = _lock_request(request_id)
    _decide(request, CR.REFUSED, actor)
    request.refusal_text = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "refusal_text"])
    history_add(
        order=order,
        from_status=order.status,
        to_status=order.status,
        actor=actor,
        note=f"درخواست لغو رد شد: {reason}",
    )
    audit_record(
        action="orders.cancellation_refused",
        actor=_actor_user(actor),
        subject=order,
        before={"request_status": CR.PENDING.value},
        after={"request": request.pk, "request_status": CR.REFUSED.value},
    )
    notify(
        user=order.user,
        template="orders/cancellation_refused",
        context={"order_number": order.number, "reason": reason, "link": order_link(order)},
    )
    return request
