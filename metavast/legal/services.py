"""Writes of the legal-disclosure register (P8). See models.py for the flow.

Every step is audited in its own transaction: created, submitted, approved or rejected,
withdrawn, package generated, downloaded, customers notified (or notice withheld, with the
reason kept encrypted on the row), expired. Audit rows carry no personal data: counts,
categories and ids of the register, never the letter or the customers.

Permissions are checked here as well as in the admin, so no other caller (a shell, a future
API) can skip them: `legal.add_disclosurerequest` to record, submit and withdraw,
`legal.approve_disclosurerequest` to decide (never on one's own request: four eyes),
`legal.download_disclosurepackage` to take the package.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from metavast.accounts.models import User
from metavast.accounts.services.staff import staff_personal_data_viewed
from metavast.audit.services import audit_record
from metavast.core.identifiers import normalize_mobile
from metavast.core.queue import task_queue
from metavast.core.text import to_ascii_digits
from metavast.legal import package
from metavast.legal.errors import (
    CustomerNotFound,
    DisclosureNotFound,
    DisclosurePermissionDenied,
    DisclosureTransitionNotAllowed,
    FourEyesRequired,
    PackageAlreadyDownloaded,
    PackageExpired,
    PackageNotReady,
    PassphraseTooShort,
    ScopeInvalid,
)
from metavast.legal.models import (
    TRANSITIONS,
    AuthorityType,
    DataCategory,
    DisclosureRequest,
    DisclosureStatus,
)
from metavast.notifications.services.outbox import notify

logger = logging.getLogger(__name__)

PERM_ADD = "legal.add_disclosurerequest"
PERM_VIEW = "legal.view_disclosurerequest"
PERM_APPROVE = "legal.approve_disclosurerequest"
PERM_DOWNLOAD = "legal.download_disclosurepackage"
MIN_PASSPHRASE_LENGTH = 20


def _require(actor, permission: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(permission):
        raise DisclosurePermissionDenied()


def _four_eyes(request: DisclosureRequest, actor) -> None:
    if request.requested_by_id == actor.pk:
        raise FourEyesRequired()


# --- Scope ------------------------------------------------------------------------------


def customers_resolve(identifiers: list[str]) -> list[int]:
    """User ids for a list of customer ids, confirmed mobiles or confirmed emails; raises
    CustomerNotFound naming the first that matches nobody. An unconfirmed contact is not
    known to belong to anyone, so it identifies no one here (a wrong person in a disclosure
    is the worst mistake this register can make). Mobiles are found by their blind index."""
    ids: list[int] = []
    for raw in identifiers:
        value = to_ascii_digits(raw.strip())
        if not value:
            continue
        user = None
        if value.isdigit() and not value.startswith("0"):
            user = User.objects.filter(pk=int(value)).first()
        elif "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise CustomerNotFound(fields={"customers": [raw]}) from None
            user = User.objects.by_email(value).filter(email_confirmed_at__isnull=False).first()
        else:
            try:
                mobile = normalize_mobile(value)
            except ValidationError:
                raise CustomerNotFound(fields={"customers": [raw]}) from None
            user = User.objects.filter(
                mobile_index=User.mobile_index_for(mobile), mobile_confirmed_at__isnull=False
            ).first()
        if user is None:
            raise CustomerNotFound(fields={"customers": [raw]})
        ids.append(user.pk)
    return sorted(set(ids))


@dataclass(frozen=True)
class Scope:
    customers: list[str]  # ids, mobiles or emails as the letter gives them
    categories: list[str]
    period_start: dt.date
    period_end: dt.date


def _check_scope(scope: Scope) -> list[int]:
    categories = set(scope.categories)
    if not categories or not categories <= set(DataCategory.values):
        raise ScopeInvalid("دست‌کم یک دستهٔ داده از فهرست باید انتخاب شود.")
    if scope.period_start > scope.period_end:
        raise ScopeInvalid("آغاز بازهٔ زمانی باید پیش از پایان آن باشد.")
    ids = customers_resolve(scope.customers)
    if not ids:
        raise ScopeInvalid("دست‌کم یک مشتری باید در دامنهٔ درخواست باشد.")
    return ids


# --- Writes -----------------------------------------------------------------------------


def disclosure_request_create(
    *,
    actor,
    authority_name: str,
    authority_type: str,
    letter_number: str,
    letter_date: dt.date,
    legal_basis: str,
    scope: Scope,
    notify_customers: bool = True,
    no_notice_reason: str = "",
) -> DisclosureRequest:
    _require(actor, PERM_ADD)
    if authority_type not in AuthorityType.values:
        raise ScopeInvalid("نوع مرجع درست نیست.")
    if not authority_name.strip() or not letter_number.strip() or not legal_basis.strip():
        raise ScopeInvalid("نام مرجع، شمارهٔ نامه و مبنای قانونی لازم است.")
    if not notify_customers and not no_notice_reason.strip():
        raise ScopeInvalid("وقتی به مشتری اطلاع داده نمی‌شود، علت آن (حکم مرجع) لازم است.")
    ids = _check_scope(scope)
    with transaction.atomic():
        request = DisclosureRequest(
            authority_name=authority_name.strip(),
            authority_type=authority_type,
            letter_number=letter_number.strip(),
            letter_date=letter_date,
            legal_basis=legal_basis.strip(),
            categories=[c for c in DataCategory.values if c in set(scope.categories)],
            period_start=scope.period_start,
            period_end=scope.period_end,
            notify_customers=notify_customers,
            no_notice_reason="" if notify_customers else no_notice_reason.strip(),
            requested_by=actor,
        )
        request.customer_ids = ids
        request.save()
        audit_record(
            action="legal.disclosure_created",
            actor=actor,
            subject=request,
            after={
                "authority_type": authority_type,
                "categories": request.categories,
                "customers": len(ids),
                "notify_customers": notify_customers,
            },
        )
    return request


def disclosure_transition(
    *,
    request_id: int,
    to: str,
    actor,
    action: str,
    changes: dict | None = None,
    check=None,
) -> DisclosureRequest:
    """The one way a request changes status: lock, check TRANSITIONS (and `check(request)`),
    apply `changes`, save and audit `action` — all in the caller's transaction or a new one."""
    with transaction.atomic():
        request = DisclosureRequest.objects.lock().filter(pk=request_id).first()
        if request is None:
            raise DisclosureNotFound()
        if check is not None:
            check(request)
        if to not in TRANSITIONS[request.status]:
            raise DisclosureTransitionNotAllowed()
        before = request.status
        request.status = to
        for name, value in (changes or {}).items():
            setattr(request, name, value)
        request.save()
        audit_record(
            action=action,
            actor=actor,
            subject=request,
            before={"status": before},
            after={"status": to},
        )
    return request


def disclosure_view_record(*, request: DisclosureRequest, actor) -> None:
    """A staff look at a request (the letter, the basis, who is in scope) is audited."""
    _require(actor, PERM_VIEW)
    staff_personal_data_viewed(
        actor=actor,
        subject=request,
        fields=["letter_number", "legal_basis", "customer_ids", "no_notice_reason"],
        purpose="disclosure_register",
        action="legal.disclosure_viewed",
    )


def disclosure_submit(*, request_id: int, actor) -> DisclosureRequest:
    _require(actor, PERM_ADD)
    return disclosure_transition(
        request_id=request_id,
        to=DisclosureStatus.AWAITING_APPROVAL,
        actor=actor,
        action="legal.disclosure_submitted",
        changes={"submitted_at": timezone.now()},
    )


def disclosure_approve(*, request_id: int, actor, note: str = "") -> DisclosureRequest:
    _require(actor, PERM_APPROVE)
    with transaction.atomic():
        request = disclosure_transition(
            request_id=request_id,
            to=DisclosureStatus.APPROVED,
            actor=actor,
            action="legal.disclosure_approved",
            changes={"decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
            check=lambda r: _four_eyes(r, actor),
        )
        transaction.on_commit(
            lambda: task_queue("metavast.legal.tasks.build_disclosure_package", request.pk)
        )
    return request


def disclosure_reject(*, request_id: int, actor, note: str) -> DisclosureRequest:
    _require(actor, PERM_APPROVE)
    now = timezone.now()
    return disclosure_transition(
        request_id=request_id,
        to=DisclosureStatus.REJECTED,
        actor=actor,
        action="legal.disclosure_rejected",
        changes={"decided_by": actor, "decided_at": now, "decision_note": note, "closed_at": now},
        check=lambda r: _four_eyes(r, actor),
    )


def disclosure_withdraw(*, request_id: int, actor, note: str = "") -> DisclosureRequest:
    _require(actor, PERM_ADD)
    with transaction.atomic():
        request = disclosure_transition(
            request_id=request_id,
            to=DisclosureStatus.WITHDRAWN,
            actor=actor,
            action="legal.disclosure_withdrawn",
            changes={"closed_at": timezone.now(), "decision_note": note},
        )
        _destroy_on_commit(request)
    return request


def _destroy_on_commit(request: DisclosureRequest) -> None:
    # The file goes only once the status that says it is gone has committed.
    transaction.on_commit(lambda: package.destroy(request))


def disclosure_package_build(*, request_id: int, now: dt.datetime | None = None):
    """Build, seal and store the package of an approved request (the task calls this).
    A request no longer approved (withdrawn meanwhile, or built already) is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        request = DisclosureRequest.objects.lock().filter(pk=request_id).first()
        if request is None:
            raise DisclosureNotFound()
        if request.status != DisclosureStatus.APPROVED:
            logger.info("disclosure package not built", extra={"request_id": request_id})
            return request
        data = package.build_zip(request, now=now)
        name = package.store(request, data)
        request = disclosure_transition(
            request_id=request_id,
            to=DisclosureStatus.PACKAGE_READY,
            actor=None,
            action="legal.package_generated",
            changes={
                "package_name": name,
                "package_sha256": package.sha256(data),
                "package_ready_at": now,
                "package_expires_at": now
                + dt.timedelta(hours=settings.LEGAL_PACKAGE_DOWNLOAD_HOURS),
            },
        )
    return request


@dataclass(frozen=True)
class Download:
    request: DisclosureRequest
    content: bytes  # the ZIP encrypted with the officer's passphrase
    sha256: str  # of the ZIP inside


def _downloadable(request: DisclosureRequest, now: dt.datetime) -> None:
    if request.status == DisclosureStatus.DOWNLOADED:
        raise PackageAlreadyDownloaded()
    if request.status == DisclosureStatus.EXPIRED:
        raise PackageExpired()
    if request.status != DisclosureStatus.PACKAGE_READY:
        raise PackageNotReady()
    if request.package_expires_at is None or request.package_expires_at <= now:
        raise PackageExpired()


def disclosure_package_download(*, request_id: int, actor, passphrase: str) -> Download:
    """Hand the package over once: encrypted with `passphrase` (never stored), the stored
    file destroyed after commit, the customers told (or the withholding recorded)."""
    _require(actor, PERM_DOWNLOAD)
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseTooShort()
    now = timezone.now()
    with transaction.atomic():
        request = disclosure_transition(
            request_id=request_id,
            to=DisclosureStatus.DOWNLOADED,
            actor=actor,
            action="legal.package_downloaded",
            changes={"downloaded_by": actor, "downloaded_at": now, "closed_at": now},
            check=lambda r: _downloadable(r, now),
        )
        data = package.read(request)
        content = package.encrypt_for_transit(data, passphrase)
        _customers_tell(request, actor=actor, now=now)
        _destroy_on_commit(request)
    return Download(request=request, content=content, sha256=package.sha256(data))


def _customers_tell(request: DisclosureRequest, *, actor, now: dt.datetime) -> None:
    if not request.notify_customers:
        # The reason stays encrypted on the row; the audit row says only that it exists.
        audit_record(
            action="legal.customer_notice_withheld",
            actor=actor,
            subject=request,
            after={"customers": len(request.customer_ids), "reason_recorded": True},
        )
        return
    labels = dict(DataCategory.choices)
    context = {
        "register_id": request.pk,
        "authority_type": AuthorityType(request.authority_type).label,
        "authority_name": request.authority_name,
        "categories": "، ".join(labels[c] for c in request.categories),
        "when": now,
    }
    messages = 0
    for user in User.objects.filter(pk__in=request.customer_ids).order_by("pk"):
        messages += len(notify(user=user, template="legal/disclosed", context=context))
    request.customers_notified_at = now
    request.save(update_fields=["customers_notified_at"])
    audit_record(
        action="legal.customers_notified",
        actor=actor,
        subject=request,
        after={"customers": len(request.customer_ids), "messages": messages},
    )


def disclosure_packages_expire(*, now: dt.datetime | None = None) -> int:
    """Close every download window that has passed and destroy its file (periodic job).
    It also builds the packages of approved requests whose build task was lost."""
    now = now or timezone.now()
    for request_id in DisclosureRequest.objects.stuck_builds(now).values_list("pk", flat=True):
        disclosure_package_build(request_id=request_id, now=now)
    expired = 0
    for request_id in DisclosureRequest.objects.expired_packages(now).values_list("pk", flat=True):
        with transaction.atomic():
            try:
                request = disclosure_transition(
                    request_id=request_id,
                    to=DisclosureStatus.EXPIRED,
                    actor=None,
                    action="legal.package_expired",
                    changes={"closed_at": now},
                    check=lambda r: _still_expired(r, now),
                )
            except DisclosureTransitionNotAllowed:
                continue  # downloaded or withdrawn between the query and the lock
            _destroy_on_commit(request)
            expired += 1
    return expired


def _still_expired(request: DisclosureRequest, now: dt.datetime) -> None:
    if request.package_expires_at is None or request.package_expires_at > now:
        raise DisclosureTransitionNotAllowed()
