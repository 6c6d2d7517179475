"""Information requests (P3): staff put an order on hold and ask the customer to complete or
correct something; the customer answers in their account and the order goes on.

The answer changes the order's own snapshot (address, postal code, receiver), never the
address book or the profile. Without an answer, a reminder goes out INFO_REQUEST_REMINDER_HOURS
before the deadline (INFO_REQUEST_DEADLINE_DAYS), and at the deadline the order is cancelled,
its stock returned and, if it was paid, flagged for refund. Each step is in the history.
An order cancelled for another reason has its open request closed by the state machine
(`status.py`), which this module builds on and which therefore never imports it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metavast.accounts.models import iran_divisions
from metavast.audit.services import audit_record
from metavast.core.identifiers import normalize_mobile, normalize_postal_code
from metavast.core.text import to_ascii_digits
from metavast.notifications.services import notify
from metavast.orders.errors import InfoRequestNotOpen, TransitionNotAllowed
from metavast.orders.models import (
    TRANSITIONS,
    CancelReason,
    InfoField,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderStatus,
)
from metavast.orders.services.status import (
    _actor_user,
    history_add,
    lock_order,
    order_set_status,
)

logger = logging.getLogger(__name__)
S = OrderStatus
MESSAGE_MAX = 1000


def _labels(fields) -> str:
    return "، ".join(InfoField(f).label for f in fields)


@transaction.atomic
def info_request_create(*, order: Order, fields, message: str, actor) -> InfoRequest:
    """Staff: hold the order and ask the customer for `fields` with `message`."""
    fields = [f for f in InfoField.values if f in set(fields or [])]
    message = (message or "").strip()
    errors = {}
    if not fields:
        errors["fields"] = ["دست‌کم یک مورد را انتخاب کنید."]
    if not message:
        errors["message"] = ["پیام به مشتری لازم است."]
    elif len(message) > MESSAGE_MAX:
        errors["message"] = [f"حداکثر {MESSAGE_MAX} نویسه."]
    if errors:
        raise ValidationError(errors)
    locked = lock_order(order.pk)
    if S.AWAITING_INFO not in TRANSITIONS[locked.status]:
        raise TransitionNotAllowed()
    now = timezone.now()
    request = InfoRequest.objects.create(
        order=locked,
        fields=fields,
        message=message,
        requested_by=_actor_user(actor),
        created_at=now,
        deadline_at=now + timezone.timedelta(days=settings.INFO_REQUEST_DEADLINE_DAYS),
    )
    order_set_status(
        order=order, to=S.AWAITING_INFO, actor=actor, note=f"درخواست اطلاعات: {_labels(fields)}"
    )
    audit_record(
        action="orders.info_requested",
        actor=_actor_user(actor),
        subject=locked,
        after={"info_request": request.pk, "fields": fields},
    )
    return request


@dataclass
class InfoAnswer:
    province: str = ""
    city: str = ""
    street: str = ""
    alley: str = ""
    plaque: str = ""
    unit: str = ""
    postal_code: str = ""
    receiver_first_name: str = ""
    receiver_last_name: str = ""
    receiver_mobile: str = ""
    note: str = ""


def _clean_answer(fields: list[str], answer: InfoAnswer) -> dict:
    """Validate only what was asked for; returns the order fields to change."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, str] = {}

    def need(name: str, max_length: int, *, digits: bool = False) -> str:
        value = (getattr(answer, name) or "").strip()
        if digits:
            value = to_ascii_digits(value)
        if not value:
            errors.setdefault(name, []).append("این فیلد لازم است.")
        elif len(value) > max_length:
            errors.setdefault(name, []).append(f"حداکثر {max_length} نویسه.")
        return value

    def optional(name: str, max_length: int, *, digits: bool = False) -> str:
        value = (getattr(answer, name) or "").strip()
        if digits:
            value = to_ascii_digits(value)
        if len(value) > max_length:
            errors.setdefault(name, []).append(f"حداکثر {max_length} نویسه.")
        return value

    if InfoField.ADDRESS in fields:
        province = iran_divisions().get(answer.province or "")
        if province is None:
            errors["province"] = ["استان را از فهرست انتخاب کنید."]
        elif (answer.city or "").strip() not in province["cities"]:
            errors["city"] = ["شهر را از فهرست شهرهای این استان انتخاب کنید."]
        changes.update(
            province=answer.province,
            city=(answer.city or "").strip(),
            street=need("street", 200),
            alley=optional("alley", 120),
            plaque=need("plaque", 20, digits=True),
            unit=optional("unit", 20, digits=True),
        )
    if InfoField.POSTAL_CODE in fields:
        try:
            changes["postal_code"] = normalize_postal_code(answer.postal_code or "")
        except ValidationError as exc:
            errors["postal_code"] = list(exc.messages)
    if InfoField.RECEIVER in fields:
        changes["receiver_first_name"] = need("receiver_first_name", 80)
        changes["receiver_last_name"] = need("receiver_last_name", 80)
    if InfoField.RECEIVER in fields or InfoField.MOBILE in fields:
        try:
            changes["receiver_mobile"] = normalize_mobile(answer.receiver_mobile or "")
        except ValidationError as exc:
            errors["receiver_mobile"] = list(exc.messages)
    note = (answer.note or "").strip()
    if len(note) > MESSAGE_MAX:
        errors["note"] = [f"حداکثر {MESSAGE_MAX} نویسه."]
    elif InfoField.OTHER in fields and not note:
        errors["note"] = ["پاسخ خود را بنویسید."]
    if errors:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in errors.items()})
    return {"changes": changes, "note": note}


@transaction.atomic
def info_request_answer(*, order: Order, user, answer: InfoAnswer) -> InfoRequest:
    """The customer answers: the order's snapshot is corrected and it goes back to
    processing. `order` must already be the customer's (the caller looked it up with
    `Order.objects.for_user`).

    The order goes on without waiting for staff, as P3 says ("answers in their account, and
    the order goes on"): every asked field is validated here and is the customer's own word
    (P3). A written answer (required for "other") is for staff to read: the order's admin
    page shows it, with the fields it changed, to those who ask for information, and the
    history row says one came, so they can still hold or cancel the order before it ships."""
    locked = lock_order(order.pk)
    if locked.user_id != user.pk:
        raise InfoRequestNotOpen()
    request = (
        InfoRequest.objects.select_for_update()
        .filter(order=locked, status=InfoRequestStatus.OPEN)
        .first()
    )
    if request is None or locked.status != S.AWAITING_INFO:
        raise InfoRequestNotOpen()
    cleaned = _clean_answer(request.fields, answer)
    changes = cleaned["changes"]
    if InfoField.RECEIVER in request.fields:
        changes["receiver_is_self"] = False
    # What the answer really changed (a customer may confirm what was there): staff read
    # these names beside the answer on the order's page, from this audit row.
    changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
    for name, value in changes.items():
        setattr(locked, name, value)
    if changes:
        locked.save(update_fields=list(changes))
    request.status = InfoRequestStatus.ANSWERED
    request.answered_at = timezone.now()
    request.answer_note = cleaned["note"]
    request.save(update_fields=["status", "answered_at", "answer_note"])
    audit_record(
        action="orders.info_answered",
        actor=user,
        subject=locked,
        after={"info_request": request.pk, "changed": changed},
    )
    note = "اطلاعات خواسته‌شده را مشتری فرستاد."
    if cleaned["note"]:
        note = "اطلاعات خواسته‌شده را مشتری فرستاد و توضیحی نوشت."
    order_set_status(order=order, to=S.PROCESSING, actor=user, note=note)
    return request


def _remind(request_id: int, now) -> bool:
    with transaction.atomic():
        request = InfoRequest.objects.select_related("order").filter(pk=request_id).first()
        if request is None:
            return False
        order = lock_order(request.order_id)
        request = InfoRequest.objects.select_for_update().get(pk=request_id)
        if request.status != InfoRequestStatus.OPEN or request.reminded_at is not None:
            return False
        request.reminded_at = now
        request.save(update_fields=["reminded_at"])
        history_add(
            order=order,
            from_status=order.status,
            to_status=order.status,
            actor=None,
            note="یادآوری درخواست اطلاعات فرستاده شد.",
        )
        notify(
            user=order.user,
            template="orders/info_requested",
            context={"order_number": order.number},
        )
        return True


def _lapse(request_id: int, now) -> bool:
    with transaction.atomic():
        request = InfoRequest.objects.filter(pk=request_id).only("order_id").first()
        if request is None:
            return False
        order = lock_order(request.order_id)
        request = InfoRequest.objects.select_for_update().get(pk=request_id)
        if request.status != InfoRequestStatus.OPEN or request.deadline_at > now:
            return False
        request.status = InfoRequestStatus.LAPSED
        request.save(update_fields=["status"])
        if order.status == S.AWAITING_INFO:
            order_set_status(
                order=order,
                to=S.CANCELLED,
                actor=None,
                note=CancelReason.INFO_DEADLINE.label,
                cancel_reason=CancelReason.INFO_DEADLINE,
            )
        return True


def info_requests_sweep(*, now=None) -> dict[str, int]:
    """Periodic: remind before the deadline, cancel (and flag refund) after it."""
    now = now or timezone.now()
    open_requests = InfoRequest.objects.filter(status=InfoRequestStatus.OPEN)
    lapsed = reminded = 0
    for request_id in list(
        open_requests.filter(deadline_at__lte=now).order_by("pk").values_list("pk", flat=True)
    ):
        try:
            lapsed += _lapse(request_id, now)
        except Exception:
            logger.exception("info request lapse failed", extra={"info_request_id": request_id})
    remind_from = now + timezone.timedelta(hours=settings.INFO_REQUEST_REMINDER_HOURS)
    for request_id in list(
        open_requests.filter(deadline_at__lte=remind_from, deadline_at__gt=now, reminded_at=None)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        try:
            reminded += _remind(request_id, now)
        except Exception:
            logger.exception("info request reminder failed", extra={"info_request_id": request_id})
    return {"lapsed": lapsed, "reminded": reminded}
