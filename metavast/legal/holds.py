"""Legal holds (P6): the one place that says whether something must be kept.

Retention rules, account erasure and any deletion of customer content ask here first:
`is_held(...)` for one object or account, `held_ids(subject_type)` for a batch. Placing and
lifting a hold is for legal officers only, always with a reason, and audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.legal.errors import DisclosurePermissionDenied, HoldNotActive, HoldReasonRequired
from metavast.legal.models import LegalHold

PERM_PLACE = "legal.add_legalhold"
PERM_RELEASE = "legal.release_legalhold"
MIN_REASON_LENGTH = 10


def _require(actor, permission: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(permission):
        raise DisclosurePermissionDenied()


def _reason(text: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON_LENGTH:
        raise HoldReasonRequired()
    return text


@transaction.atomic
def hold_place(
    *, subject_type: str, subject_id, actor, reason: str, user_id: int | None = None
) -> LegalHold:
    _require(actor, PERM_PLACE)
    hold = LegalHold.objects.create(
        subject_type=subject_type,
        subject_id=str(subject_id),
        user_id=user_id,
        reason=_reason(reason),
        placed_by=actor,
    )
    audit_record(
        action="legal.hold_placed",
        actor=actor,
        subject=hold,
        after={"subject_type": subject_type, "subject_id": str(subject_id), "user_id": user_id},
    )
    return hold


@transaction.atomic
def hold_release(*, hold_id: int, actor, reason: str) -> LegalHold:
    _require(actor, PERM_RELEASE)
    reason = _reason(reason)
    hold = LegalHold.objects.lock().filter(pk=hold_id).first()
    if hold is None or not hold.is_active:
        raise HoldNotActive()
    hold.released_by, hold.released_at, hold.release_reason = actor, timezone.now(), reason
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    audit_record(
        action="legal.hold_released",
        actor=actor,
        subject=hold,
        after={"subject_type": hold.subject_type, "subject_id": hold.subject_id},
    )
    return hold


def is_held(*, subject_type: str = "", subject_id="", user_id: int | None = None) -> bool:
    """Whether an active hold covers this object, or (with user_id) any data of this account."""
    holds = LegalHold.objects.active()
    if user_id is not None:
        return holds.filter(user_id=user_id).exists()
    return holds.filter(subject_type=subject_type, subject_id=str(subject_id)).exists()


def held_ids(subject_type: str) -> set[str]:
    """Ids (as strings) of the objects of one type under an active hold, for batch jobs."""
    return set(
        LegalHold.objects.active()
        .filter(subject_type=subject_type)
        .values_list("subject_id", flat=True)
    )


def held_user_ids() -> set[int]:
    """Accounts with any active hold: their erasure waits, and retention skips their rows."""
    return set(
        LegalHold.objects.active().filter(user_id__isnull=False).values_list("user_id", flat=True)
    )
