"""Payment services: start an attempt, take the gateway's callback, verify, reconcile.

How a payment cannot be lost or counted twice:

- *Start* copies the amount from the order (our database, never the client) and asks the
  gateway for an authority. Only a redirect to a host on PAYMENT_REDIRECT_ALLOWED_HOSTS (or
  a path on our own site, the sandbox) is handed to the customer.
- *The callback* is a cross-site GET or POST without our session cookie, so it is trusted for
  nothing but the authority it names. The payment is found by (gateway, authority), which is
  unique; it must belong to the order named in the callback URL we gave the gateway.
- *Verify* locks the payment row (select_for_update) for the whole check, so twenty replays
  of one callback queue behind the first: it alone calls the gateway and marks the payment
  and the order paid (`order_mark_paid`, which commits the stock and notifies after commit);
  the others find a settled payment and do nothing. The verify uses the amount we stored.
  A verify that times out or errors changes nothing but the attempt counter: the payment
  stays pending for reconciliation and is never paid without a "paid" from the gateway.
- At most one attempt per order may be paid (a conditional unique constraint). Money that
  arrives for an order that can no longer take it (expired and its stock sold, cancelled, or
  already paid by another attempt) makes the payment `refund_due`, and the customer is told.
- *Reconciliation* (a periodic task) re-verifies pending attempts that are a few minutes old
  and asks gateways that can tell (`unverified`) which payments nobody verified.

Every status change goes through `_set_status`, on a row the caller locked, against the
TRANSITIONS table, with its audit event in the same transaction. Rejected callbacks write a
`payments.callback_rejected` event (our codes only, no personal data) in a transaction of
their own, so the record survives the refusal.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from metavast.audit.services import audit_batch, audit_record
from metavast.notifications.services import notify
from metavast.orders.errors import OrderAlreadyPaid, OrderNotPayable
from metavast.orders.models import Order, PaymentMethod
from metavast.orders.services import order_mark_paid_locked
from metavast.orders.services.status import lock_order
from metavast.payments import gateways
from metavast.payments.errors import (
    CallbackRejected,
    GatewayNotAvailable,
    InvalidTransition,
    OrderNotFound,
    PaymentStartFailed,
    RedirectNotAllowed,
)
from metavast.payments.gateways.base import GatewayError, PaymentDeclined
from metavast.payments.models import TRANSITIONS, Payment, PaymentStatus

logger = logging.getLogger(__name__)

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


# --- status -------------------------------------------------------------------------------


def _set_status(payment: Payment, to: str, *, actor=None, reason: str = "", **fields) -> Payment:
    """The one place a payment's status changes. The caller holds the row lock."""
    before = payment.status
    if to not in TRANSITIONS[before]:
        raise InvalidTransition(fields={"status": [f"{before}->{to}"]})
    payment.status = to
    for name, value in fields.items():
        setattr(payment, name, value)
    if to == PaymentStatus.PAID:
        payment.paid_at = timezone.now()
    payment.save()
    audit_record(
        action="payments.status_changed",
        actor=actor,
        subject=payment,
        before={"status": before},
        after={"status": to, "reason": reason, "order": payment.order_id},
    )
    return payment


def _set_status_if_unchanged(
    payment: Payment, to: str, *, actor=None, reason: str = "", **fields
) -> Payment:
    """`_set_status` without a lock: one conditional UPDATE that applies only while the row
    still has the status `payment` shows (nobody else moves an attempt this request has just
    made, but if someone did, nothing is overwritten: InvalidTransition)."""
    before = payment.status
    if to not in TRANSITIONS[before]:
        raise InvalidTransition(fields={"status": [f"{before}->{to}"]})
    fields = {**fields, "status": to, "updated_at": timezone.now()}
    if to == PaymentStatus.PAID:
        fields["paid_at"] = fields["updated_at"]
    if not Payment.objects.filter(pk=payment.pk, status=before).update(**fields):
        raise InvalidTransition(fields={"status": [f"?->{to}"]})
    for name, value in fields.items():
        setattr(payment, name, value)
    audit_record(
        action="payments.status_changed",
        actor=actor,
        subject=payment,
        before={"status": before},
        after={"status": to, "reason": reason, "order": payment.order_id},
    )
    return payment


# --- start --------------------------------------------------------------------------------


def payable_orders(*, user):
    """The user's orders that may start a payment now (everything else is a 404).

    The same rule as `Order.is_payable`, as a query: awaiting payment, paid online, in time.
    """
    return (
        Order.objects.for_user(user)
        .awaiting_payment()
        .filter(payment_method=PaymentMethod.ONLINE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    )


def callback_url(*, site_url: str, gateway: str, order_number: str) -> str:
    path = reverse("payments:callback", kwargs={"gateway": gateway})
    return f"{site_url.rstrip('/')}{path}?{urlencode({'order': order_number})}"


def redirect_is_allowed(url: str) -> bool:
    """A path on our site (the sandbox) or a host on the allow-list; https except loopback."""
    allowed = set(settings.PAYMENT_REDIRECT_ALLOWED_HOSTS)
    if url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=True):
        return True
    # The fake gateway of the tests and the benchmark speaks plain HTTP on loopback.
    loopback = {h for h in allowed if h.split(":")[0] in _LOOPBACK_HOSTS or h.startswith("[::1]")}
    return bool(loopback) and url_has_allowed_host_and_scheme(
        url, allowed_hosts=loopback, require_https=False
    )


def payment_start(*, order_number: str, user, site_url: str, gateway: str | None = None) -> Payment:
    """Start (or reuse) an attempt to pay the user's order; returns it with redirect_url set.

    Raises OrderNotFound (not the user's, not awaiting payment, expired), GatewayNotAvailable,
    PaymentStartFailed (the gateway refused or did not answer) or RedirectNotAllowed.
    """
    name = gateway or gateways.default_gateway()
    client = gateways.get_gateway(name)
    now = timezone.now()
    # A double click, or a second tab, while the bank page is still valid: same attempt.
    # Looked for in the order's query, so a first click reads one row.
    recent = (
        Payment.objects.filter(order=OuterRef("pk"), gateway=name, status=PaymentStatus.PENDING)
        .filter(created_at__gte=now - dt.timedelta(seconds=settings.PAYMENT_REUSE_SECONDS))
        .exclude(redirect_url="")
        .order_by("-pk")
        .values("pk")[:1]
    )
    with transaction.atomic():
        order = (
            payable_orders(user=user)
            .filter(number=order_number)
            .annotate(recent_payment_id=Subquery(recent))
            .first()
        )
        if order is None:
            raise OrderNotFound()
        if order.recent_payment_id is not None:
            return Payment.objects.get(pk=order.recent_payment_id)
        payment = Payment.objects.create(order=order, gateway=name, amount=order.total)
        audit_record(
            action="payments.started",
            actor=user,
            subject=payment,
            after={"order": order.pk, "gateway": name, "amount": payment.amount},
        )

    # No mobile or email goes to the gateway: its metadata is optional, and P8 lets
    # personal data leave only by legal order.
    try:
        authority, redirect_url = client.request_payment(
            payment.amount,
            callback_url(site_url=site_url, gateway=name, order_number=order.number),
            f"سفارش {order.number} — {settings.SHOP_NAME}",
        )
    except (GatewayError, PaymentDeclined) as exc:
        _start_failed(payment.pk, exc.code)
        raise PaymentStartFailed() from None
    if not redirect_is_allowed(redirect_url):
        logger.error("payment redirect host not allowed", extra={"gateway": name})
        _start_failed(payment.pk, "redirect_not_allowed")
        raise RedirectNotAllowed()
    try:
        with transaction.atomic():
            return _set_status_if_unchanged(
                payment,
                PaymentStatus.PENDING,
                actor=user,
                reason="redirected",
                authority=authority,
                redirect_url=redirect_url,
                last_error="",
            )
    except IntegrityError:
        # The gateway gave us an authority another attempt already has: never share it.
        logger.error("gateway reissued an authority", extra={"gateway": name})
        _start_failed(payment.pk, "duplicate_authority")
        raise PaymentStartFailed() from None


def _start_failed(payment_id: int, code: str) -> None:
    with transaction.atomic():
        payment = Payment.objects.lock(payment_id)
        _set_status(payment, PaymentStatus.FAILED, reason=code, last_error=code[:80])


# --- callback and verify ------------------------------------------------------------------


def _reject(*, reason: str, gateway: str, payment: Payment | None = None) -> CallbackRejected:
    """Record a refused callback in its own transaction; return the error to raise."""
    with transaction.atomic():
        audit_record(
            action="payments.callback_rejected",
            subject=payment,
            subject_type="payments.payment",
            after={"reason": reason, "gateway": gateway},
        )
    logger.warning("payment callback rejected", extra={"reason": reason, "gateway": gateway})
    return CallbackRejected(fields={"reason": [reason]})


def _lock_with_order(rows) -> Payment | None:
    """The payment of `rows`, locked, with its order (not locked) and whether another
    attempt of that order is already paid, in one query."""
    others_paid = Payment.objects.filter(
        order_id=OuterRef("order_id"), status=PaymentStatus.PAID
    ).exclude(pk=OuterRef("pk"))
    return (
        rows.select_for_update(of=("self",))
        .select_related("order")
        .annotate(another_attempt_paid=Exists(others_paid))
        .first()
    )


def payment_callback(*, gateway: str, authority: str, status: str, order_number: str) -> Payment:
    """The customer's return from the bank. Returns the payment as it now stands.

    Raises CallbackRejected (and logs the event) for an unknown authority or one that belongs
    to another order; GatewayNotAvailable for a gateway that is not on.
    """
    if not gateways.is_enabled(gateway):
        raise GatewayNotAvailable()
    authority = (authority or "").strip()[:64]
    rejected = None
    with transaction.atomic():
        # Found and locked in one query; the checks below run on the locked row.
        payment = _lock_with_order(Payment.objects.for_authority(gateway, authority))
        if payment is None:
            rejected = "unknown_authority"
        elif payment.order.number != order_number:
            rejected = "order_mismatch"
        elif (status or "").strip().upper() != "OK":
            return _cancel_locked(payment)
        else:
            return _verify_locked(payment, source=_Source.CALLBACK)
    # Outside the block: the rejection is recorded in a transaction of its own.
    raise _reject(reason=rejected, gateway=gateway, payment=payment)


def payment_cancel(*, payment_id: int) -> Payment:
    """The bank says the customer cancelled. Only a waiting attempt changes."""
    with transaction.atomic():
        return _cancel_locked(Payment.objects.lock(payment_id, with_order=True))


def _cancel_locked(payment: Payment) -> Payment:
    if payment.status == PaymentStatus.PENDING:
        _set_status(payment, PaymentStatus.CANCELLED, reason="customer_cancelled")
    return payment


class _Source:
    """Who asked for a verify; only a callback's refusal is a "callback_rejected" event."""

    CALLBACK = "callback"
    RECONCILE = "reconcile"
    ADMIN = "admin"


def payment_verify(*, payment_id: int, source: str = _Source.CALLBACK, actor=None) -> Payment:
    """Ask the gateway whether this attempt is paid, and settle it if so. Idempotent."""
    with transaction.atomic():
        payment = _lock_with_order(Payment.objects.filter(pk=payment_id))
        if payment is None:
            raise Payment.DoesNotExist()
        return _verify_locked(payment, source=source, actor=actor)


def _verify_locked(payment: Payment, *, source: str, actor=None) -> Payment:
    """The body of `payment_verify`, on a row the caller's transaction locked (as
    `_lock_with_order` reads it)."""
    if payment.is_settled or not payment.authority:
        return payment
    order = payment.order
    if payment.amount != order.total:
        # The order's total is not what this attempt asked for: never capture it.
        if payment.status == PaymentStatus.PENDING:
            _set_status(
                payment, PaymentStatus.FAILED, reason="amount_mismatch", last_error="amount"
            )
        _audit_rejection(payment, "amount_mismatch", source)
        return payment
    try:
        client = gateways.get_gateway(payment.gateway)
    except GatewayNotAvailable:
        return payment
    payment.attempts += 1
    try:
        result = client.verify(payment.authority, payment.amount)
    except GatewayError as exc:
        # We do not know: stay as we are, reconciliation asks again.
        payment.last_error = exc.code[:80]
        payment.save(update_fields=["attempts", "last_error", "updated_at"])
        logger.warning(
            "payment verify inconclusive", extra={"payment_id": payment.pk, "code": exc.code}
        )
        return payment
    if not result.is_paid:
        payment.last_error = (result.code or "declined")[:80]
        if payment.status == PaymentStatus.PENDING:
            _set_status(payment, PaymentStatus.FAILED, reason="verify_failed", actor=actor)
        else:
            payment.save(update_fields=["attempts", "last_error", "updated_at"])
        _audit_rejection(payment, "verify_failed", source)
        return payment
    payment.ref_id = result.ref_id[:64]
    payment.card_pan = result.card_pan[:24]
    payment.last_error = ""
    return _settle(payment, order, actor=actor)


def _audit_rejection(payment: Payment, reason: str, source: str) -> None:
    action = (
        "payments.callback_rejected" if source == _Source.CALLBACK else "payments.verify_failed"
    )
    audit_record(
        action=action,
        subject=payment,
        after={"reason": reason, "gateway": payment.gateway, "source": source},
    )
    logger.warning("payment not paid", extra={"reason": reason, "payment_id": payment.pk})


def _settle(payment: Payment, order: Order, *, actor=None) -> Payment:
    """Money reached us: the order is paid by this attempt, or the money must go back.

    The order is locked and checked before this attempt becomes paid, so a second attempt
    of a paid order is refused by the order's row (`paid_payment_id`), under its lock,
    before the one-paid-attempt index could refuse it; an attempt whose sibling is already
    paid (`another_attempt_paid`, read with the payment's lock) never gets that far. Nothing
    is written before a refusal, so no savepoint is needed to undo it."""
    if getattr(payment, "another_attempt_paid", False):
        return _refund_due(payment, order, reason="order_already_paid", actor=actor)
    try:
        with audit_batch():  # the order's and the payment's events: one INSERT
            paid_order = order_mark_paid_locked(order=lock_order(order.pk), payment_id=payment.pk)
            _set_status(payment, PaymentStatus.PAID, reason="verified", actor=actor)
    except OrderAlreadyPaid:
        return _refund_due(payment, order, reason="order_already_paid", actor=actor)
    except OrderNotPayable:
        return _refund_due(payment, order, reason="order_not_payable", actor=actor)
    payment.order = paid_order
    return payment


def _refund_due(payment: Payment, order: Order, *, reason: str, actor=None) -> Payment:
    _set_status(payment, PaymentStatus.REFUND_DUE, reason=reason, last_error=reason, actor=actor)
    audit_record(
        action="payments.refund_due",
        subject=payment,
        after={"order": order.pk, "amount": payment.amount, "reason": reason},
    )
    notify(
        user=order.user,
        template="payments/refund_due",
        context={"order_number": order.number, "amount": payment.amount},
    )
    logger.error("payment needs a refund", extra={"payment_id": payment.pk, "reason": reason})
    return payment


# --- reconciliation -----------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    paid: int = 0
    refund_due: int = 0
    failed: int = 0
    still_pending: int = 0


def payments_reconcile(
    *, older_than_seconds: int | None = None, limit: int = 200
) -> ReconcileReport:
    """Verify pending attempts a few minutes old, and any the gateways say nobody verified."""
    age = (
        settings.PAYMENT_RECONCILE_AFTER_SECONDS
        if older_than_seconds is None
        else older_than_seconds
    )
    cutoff = timezone.now() - dt.timedelta(seconds=age)
    ids = list(
        Payment.objects.due_for_reconciliation(older_than=cutoff).values_list("pk", flat=True)[
            :limit
        ]
    )
    for name in gateways.enabled_gateways():
        try:
            unverified = gateways.get_gateway(name).unverified()
        except (GatewayError, GatewayNotAvailable) as exc:
            logger.warning("unverified list failed", extra={"gateway": name, "code": str(exc)})
            continue
        for item in unverified:
            found = (
                Payment.objects.for_authority(name, item.authority)
                .exclude(status__in=[PaymentStatus.PAID, PaymentStatus.REFUND_DUE])
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                logger.error("gateway holds a payment we do not know", extra={"gateway": name})
            elif found not in ids:
                ids.append(found)
    _abandon_stuck_starts(cutoff)
    report = ReconcileReport()
    for pk in ids:
        payment = payment_verify(payment_id=pk, source=_Source.RECONCILE)
        report.checked += 1
        if payment.status == PaymentStatus.PAID:
            report.paid += 1
        elif payment.status == PaymentStatus.REFUND_DUE:
            report.refund_due += 1
        elif payment.status == PaymentStatus.PENDING:
            report.still_pending += 1
        else:
            report.failed += 1
    return report


def _abandon_stuck_starts(cutoff) -> None:
    """An attempt whose gateway request never came back (a crash) never reached a bank."""
    stuck = Payment.objects.filter(
        status=PaymentStatus.INITIATED, created_at__lt=cutoff - dt.timedelta(hours=1)
    ).values_list("pk", flat=True)
    for pk in list(stuck[:100]):
        with transaction.atomic():
            payment = Payment.objects.lock(pk)
            if payment.status == PaymentStatus.INITIATED:
                _set_status(payment, PaymentStatus.FAILED, reason="start_abandoned")
