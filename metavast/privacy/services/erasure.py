"""Erase my account (issue 11, item 4): a cancellable request, then anonymisation.

`erasure_request` (after step-up) is refused, with the reason in Persian, while an order is
open or a legal hold covers the account; otherwise it waits PRIVACY_ERASURE_GRACE_DAYS and the
customer can cancel it. The periodic job `erasures_run_due` checks the same blockers again
(an order may have been placed or a hold placed meanwhile: the request then waits, with the
reason recorded) and calls `account_anonymise`.

What anonymising keeps, and why:
- the user row, as a tombstone (no contact, no name, inactive, unusable password), so orders,
  invoices and the audit trail keep their foreign keys;
- the order rows (number, status, amounts, lines, province and city) for the accounts, with
  every street, postal code and receiver detail blanked;
- the invoices, untouched: their buyer snapshot is what the tax law requires for
  INVOICE_RETENTION_YEARS from issue; the retention rule `invoice_buyers` cuts it back (and
  its PDF, a company's details and the masked card) once that period is over;
- payments (amount, masked card, bank reference): the financial record;
- the consent history without identity: time, version and choice, which prove the consent
  was honoured;
- the audit trail (append-only, hash-chained); its IPs go with the audit IP retention.

Everything else that identifies the person goes in the same transaction: contacts and their
blind indexes, names, national code, addresses, checkout drafts, carts, sessions (and their
Django sessions), app refresh tokens, one-time codes, TOTP devices, sign-in attempt logs,
the outbox rows addressed to them, and their data-export packages. Reset links die with the
password (Django's reset tokens hash it). Signing in later with the old mobile finds no
account and starts a new, empty one.

The last message is written to the confirmed contacts read just before anonymising, then
detached from the account; the outbox delivers it and the retention engine removes its body.
"""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from metavast.accounts.models import Address, OneTimeCode, User, UserSession
from metavast.audit.services import audit_record
from metavast.cart.models import Cart
from metavast.checkout.models import CheckoutDraft
from metavast.core.text import to_persian_digits
from metavast.legal.holds import is_held
from metavast.notifications.models import OutboxMessage
from metavast.notifications.services.outbox import notify
from metavast.orders.models import Order, OrderStatus
from metavast.orders.services.retention import ERASED_FIELDS as ORDER_PERSONAL_FIELDS
from metavast.privacy.models import DataCopy, ErasureRequest, ErasureStatus
from metavast.privacy.services import export as export_service
from metavast.privacy.services.errors import (
    ErasureAlreadyRequested,
    ErasureBlocked,
    ErasureLegalHold,
    ErasureNotPending,
    ErasureOpenOrder,
    ErasureStaffAccount,
)

logger = logging.getLogger(__name__)

# An order in one of these is still being served: erasing the buyer would strand it.
OPEN_ORDER_STATUSES = frozenset(
    {
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.AWAITING_INFO,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
    }
)

# What the user row keeps blank after erasure: every contact, name and identifier.
# Blind indexes (mobile_index, national_code_index, and any added later) follow their source
# fields on save.
USER_BLANKED = {
    "email": None,
    "email_confirmed_at": None,
    "email_pending": "",
    "email_pending_at": None,
    "mobile": "",
    "mobile_confirmed_at": None,
    "mobile_pending": "",
    "mobile_pending_at": None,
    "landline": "",
    "landline_declared_at": None,
    "national_code": "",
    "first_name": "",
    "last_name": "",
    "last_login": None,
    "is_active": False,
}

# Columns of consent rows that say who, or from where: blanked, the rest (time, version,
# choice) kept as the proof that a consent was honoured.
_IDENTIFYING_WORDS = ("ip", "user_agent", "email", "mobile", "name", "address", "phone")


def grace_days() -> int:
    return int(getattr(settings, "PRIVACY_ERASURE_GRACE_DAYS", 7))


def invoice_retention_years() -> int:
    return int(getattr(settings, "INVOICE_RETENTION_YEARS", 10))


# --- Blockers ---------------------------------------------------------------------------


def erasure_blocker(user: User) -> ErasureBlocked | None:
    """Why the account cannot be erased now, or None."""
    if user.is_staff or user.is_superuser:
        return ErasureStaffAccount()
    if Order.objects.filter(user=user, status__in=OPEN_ORDER_STATUSES).exists():
        return ErasureOpenOrder()
    if is_held(user_id=user.pk):
        return ErasureLegalHold()
    return None


# --- Request and cancel -----------------------------------------------------------------


def erasure_request(*, user: User, now: dt.datetime | None = None) -> ErasureRequest:
    """Ask for the account to be erased after the grace period (the view checked step-up)."""
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        blocker = erasure_blocker(user)
        if blocker is not None:
            # The refusal is audited (and committed); the customer is told why, below.
            audit_record(
                action="privacy.erasure_refused",
                actor=user,
                subject=user,
                after={"reason": blocker.code},
            )
        else:
            if ErasureRequest.objects.pending().filter(user=user).exists():
                raise ErasureAlreadyRequested()
            request = ErasureRequest.objects.create(
                user=user, requested_at=now, due_at=now + dt.timedelta(days=grace_days())
            )
            audit_record(
                action="privacy.erasure_requested",
                actor=user,
                subject=request,
                after={"user_id": user.pk, "due_at": request.due_at.isoformat()},
            )
            notify(
                user=user,
                template="privacy/erase_requested",
                context={"due_at": request.due_at, "days": grace_days()},
            )
    if blocker is not None:
        raise blocker
    return request


def erasure_cancel(*, user: User, now: dt.datetime | None = None) -> ErasureRequest:
    now = now or timezone.now()
    with transaction.atomic():
        request = ErasureRequest.objects.lock().pending().filter(user=user).first()
        if request is None:
            raise ErasureNotPending()
        request.status = ErasureStatus.CANCELLED
        request.cancelled_at = now
        request.save(update_fields=["status", "cancelled_at"])
        audit_record(action="privacy.erasure_cancelled", actor=user, subject=request)
        notify(user=user, template="privacy/erase_cancelled", context={"when": now})
    return request


# --- Anonymising ------------------------------------------------------------------------


def kept_items() -> list[str]:
    """What stays after erasure, and why: the last message and the erase page list these."""
    years = invoice_retention_years()
    return [
        f"فاکتورهای رسمی شما، همان‌گونه که صادر شده‌اند، تا {to_persian_digits(years)} سال پس از صدور؛ "
        "قانون مالیات‌ها نگهداری آن‌ها را واجب می‌کند.",
        "سفارش‌ها بدون نام، نشانی و تلفن (شماره، کالاها، مبالغ، استان و شهر) و پرداخت‌ها "
        "(مبلغ، کارت پوشیده، شمارهٔ پیگیری بانک)، برای حسابداری همان فاکتورها.",
        "سابقهٔ رضایت‌ها بدون هویت شما (زمان، نسخه و انتخاب)، تا نشان دهد خواست شما رعایت شده است.",
        "رویدادهای ممیزی بدون نام و تماس شما، برای امنیت؛ نشانی‌های IP آن‌ها پس از دورهٔ خود "
        "پاک می‌شود.",
    ]


def _end_sessions(user: User) -> int:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = list(UserSession.objects.filter(user=user))
    for row in rows:
        if row.session_key:
            store(session_key=row.session_key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(rows)


def _delete_codes(user: User) -> int:
    field = User._meta.get_field("mobile_index")
    digests = {d for d in (field.digest(user.mobile), field.digest(user.mobile_pending)) if d}
    if not digests:
        return 0
    deleted, _ = OneTimeCode.objects.filter(mobile_index__in=digests).delete()
    return deleted


def _delete_devices(user: User) -> int:
    try:
        from django_otp import devices_for_user
    except ImportError:  # pragma: no cover (installed in every environment)
        return 0
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def _delete_signin_logs(user: User) -> int:
    names = {n for n in (user.email, user.mobile, user.mobile_pending, user.email_pending) if n}
    if user.mobile and user.mobile.startswith("+98"):
        names.add("0" + user.mobile[3:])
    if not names:
        return 0
    deleted = 0
    for model_name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
        try:
            model = apps.get_model("axes", model_name)
        except LookupError:
            continue
        for name in names:
            deleted += model.objects.filter(username__iexact=name).delete()[0]
    return deleted


def _strip_consents(user: User) -> int:
    """Consent rows keep time, version and choice; who and from where are blanked."""
    try:
        config = apps.get_app_config("consent")
    except LookupError:
        return 0
    touched = 0
    for model in config.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        owner = names.get("user")
        if owner is None:
            continue
        changes = {}
        for name, field in names.items():
            if field.is_relation or not any(word in name for word in _IDENTIFYING_WORDS):
                continue
            if name.endswith("_at") or name in ("version", "policy_version"):
                continue
            changes[name] = None if field.null else ""
        if owner.null:
            changes["user"] = None
        # A non-null owner keeps pointing at the tombstone, which identifies no one.
        if changes:
            touched += model._default_manager.filter(user=user).update(**changes)
    return touched


def _strip_orders(user: User, now: dt.datetime) -> int:
    count = 0
    for order in Order.objects.filter(user=user).order_by("pk").select_for_update(of=("self",)):
        for field in ORDER_PERSONAL_FIELDS:
            setattr(order, field, "")
        if order.receiver_erased_at is None:
            order.receiver_erased_at = now
        order.save(update_fields=[*ORDER_PERSONAL_FIELDS, "receiver_erased_at"])
        count += 1
    return count


def _drop_exports(user: User) -> int:
    exports = list(DataCopy.objects.filter(user=user))
    for export in exports:
        transaction.on_commit(lambda export=export: export_service.destroy_file(export))
    DataCopy.objects.filter(user=user).delete()
    return len(exports)


def account_anonymise(*, request_id: int, now: dt.datetime | None = None) -> ErasureRequest:
    """Erase the account of a due, pending request, or record why it must wait."""
    now = now or timezone.now()
    with transaction.atomic():
        request = ErasureRequest.objects.lock().filter(pk=request_id).first()
        if request is None or request.status != ErasureStatus.PENDING or request.due_at > now:
            return request
        user = User.objects.select_for_update().get(pk=request.user_id)
        blocker = erasure_blocker(user)
        if blocker is not None:
            request.last_blocked_reason = blocker.code
            request.save(update_fields=["last_blocked_reason"])
            audit_record(
                action="privacy.erasure_postponed", subject=request, after={"reason": blocker.code}
            )
            return request

        counts = {
            "outbox": OutboxMessage.objects.filter(user=user).delete()[0],
            "orders": _strip_orders(user, now),
            "drafts": CheckoutDraft.objects.filter(user=user).delete()[0],
            "addresses": Address.objects.filter(user=user).delete()[0],
            "carts": Cart.objects.filter(user=user).delete()[0],
            "sessions": _end_sessions(user),
            "codes": _delete_codes(user),
            "devices": _delete_devices(user),
            "signin_logs": _delete_signin_logs(user),
            "consents": _strip_consents(user),
            "exports": _drop_exports(user),
        }
        # The last message, to the confirmed contacts as they are now; then detached.
        last = notify(
            user=user,
            template="privacy/erase_done",
            context={"kept": kept_items(), "when": now},
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in last]).update(user=None)

        for field, value in USER_BLANKED.items():
            setattr(user, field, value)
        user.set_unusable_password()
        user.save()  # a full save: every blind index follows its (now empty) source
        user.groups.clear()
        user.user_permissions.clear()

        request.status = ErasureStatus.DONE
        request.completed_at = now
        request.last_blocked_reason = ""
        request.save(update_fields=["status", "completed_at", "last_blocked_reason"])
        audit_record(
            action="privacy.account_erased",
            subject=request,
            after={"user_id": user.pk, **counts, "last_messages": len(last)},
        )
    return request


def erasures_run_due(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """The periodic job: anonymise every account whose grace period is over."""
    now = now or timezone.now()
    done = 0
    ids = list(ErasureRequest.objects.due(now).order_by("pk").values_list("pk", flat=True)[:batch])
    for request_id in ids:
        request = account_anonymise(request_id=request_id, now=now)
        if request is not None and request.status == ErasureStatus.DONE:
            done += 1
    return done
