"""Legal holds on reviews, questions and answers (P6).

Placing a hold does three things in one transaction: the hold itself (metavast.legal.holds,
which retention and account erasure ask), a `HeldEvidence` row with the whole record
encrypted (every version, the author's account id, the IP and user agent recorded at
posting, the times), and, for criminal content, taking the item off the page (rejected as
«محتوای مجرمانه»). The evidence is apart from the item: deleting or anonymising the review
does not reach it. Only a legal officer reads it, and every read is audited. Lifting the
hold (a legal officer, with a reason) removes the evidence; the item then follows normal
retention. Evidence whose hold was lifted elsewhere (the generic hold screen) is removed
by `held_evidence_purge`.

The evidence leaves the shop only through the legal-disclosure register: `held_content_collect`
is the collector of its «محتوای نگهداشت‌شده به حکم قانونی» category (registered in
ReviewsConfig.ready, metavast.legal.collectors); each piece it puts in a package is audited.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.legal import holds as legal_holds
from metavast.legal.models import LegalHold
from metavast.reviews.errors import AlreadyHeld, EvidenceDenied
from metavast.reviews.models import (
    HOLD_SUBJECT_REVIEW,
    HeldEvidence,
    RejectReason,
    Review,
    Status,
)
from metavast.reviews.services.reviews import _locked, review_moderate

PERM_EVIDENCE = "reviews.view_heldevidence"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def review_evidence(review: Review) -> dict:
    """The record a hold keeps: everything needed for legal follow-up, nothing invented."""
    return {
        "subject": HOLD_SUBJECT_REVIEW,
        "review_id": review.pk,
        "product_id": review.product_id,
        "product_title": review.product.title,
        "author_account_id": review.author_id,
        "posted_ip": review.posted_ip,
        "posted_user_agent": review.posted_user_agent,
        "created_at": _iso(review.created_at),
        "updated_at": _iso(review.updated_at),
        "status": review.status,
        "versions": [
            {
                "number": v.number,
                "rating": v.rating,
                "title": v.title,
                "body": v.body,
                "pros": v.pros,
                "cons": v.cons,
                "edited_by_account_id": v.edited_by_id,
                "by_staff": v.by_staff,
                "reason": v.reason,
                "created_at": _iso(v.created_at),
            }
            for v in review.versions.order_by("number")
        ],
        "preserved_at": _iso(timezone.now()),
    }


@transaction.atomic
def review_hold_place(*, review: Review, actor, reason: str) -> HeldEvidence:
    review = _locked(review.pk)
    if legal_holds.is_held(subject_type=HOLD_SUBJECT_REVIEW, subject_id=review.pk):
        raise AlreadyHeld()
    hold = legal_holds.hold_place(
        subject_type=HOLD_SUBJECT_REVIEW,
        subject_id=review.pk,
        actor=actor,
        reason=reason,
        user_id=review.author_id,
    )
    evidence = HeldEvidence.objects.create(
        hold=hold,
        subject_type=HOLD_SUBJECT_REVIEW,
        subject_id=str(review.pk),
        payload=json.dumps(review_evidence(review), ensure_ascii=False),
    )
    audit_record(
        action="reviews.evidence_preserved",
        actor=actor,
        subject=evidence,
        after={"hold_id": hold.pk, "review_id": review.pk},
    )
    if review.status != Status.REJECTED:
        review_moderate(
            review=review, actor=actor, to=Status.REJECTED, reject_reason=RejectReason.ILLEGAL
        )
    return evidence


@transaction.atomic
def review_hold_release(*, hold: LegalHold, actor, reason: str) -> LegalHold:
    hold = legal_holds.hold_release(hold_id=hold.pk, actor=actor, reason=reason)
    deleted, _ = HeldEvidence.objects.filter(hold=hold).delete()
    if deleted:
        audit_record(
            action="reviews.evidence_removed",
            actor=actor,
            subject_type="reviews.heldevidence",
            subject_id=hold.subject_id,
            after={"hold_id": hold.pk},
        )
    return hold


@transaction.atomic
def evidence_read(*, evidence: HeldEvidence, actor) -> dict:
    """The decrypted evidence, for a legal officer only; the look is audited."""
    if actor is None or not actor.is_active or not actor.has_perm(PERM_EVIDENCE):
        raise EvidenceDenied()
    audit_record(
        action="reviews.evidence_viewed",
        actor=actor,
        subject=evidence,
        after={"hold_id": evidence.hold_id},
    )
    return json.loads(evidence.payload)


def held_content_collect(user_ids, period_start, period_end) -> list[dict]:
    """The decrypted evidence of the active holds on these accounts' content posted within
    [period_start, period_end), oldest first, for a disclosure package (the package build's
    transaction; the build task is the actor, so none is named). Each read is audited."""
    held = (
        HeldEvidence.objects.filter(
            hold__user_id__in=list(user_ids), hold__released_at__isnull=True
        )
        .select_related("hold")
        .order_by("created_at", "pk")
    )
    found = []
    for evidence in held:
        record = json.loads(evidence.payload)
        posted = record.get("created_at")
        if posted and not period_start <= dt.datetime.fromisoformat(posted) < period_end:
            continue
        audit_record(
            action="reviews.evidence_viewed",
            subject=evidence,
            after={"hold_id": evidence.hold_id, "purpose": "legal_disclosure"},
        )
        found.append(
            {
                "hold_id": evidence.hold_id,
                "hold_placed_at": _iso(evidence.hold.placed_at),
                "evidence": record,
            }
        )
    return found


@transaction.atomic
def held_evidence_purge() -> int:
    """Remove evidence whose hold has been lifted; one audit summary when any went."""
    stale = HeldEvidence.objects.filter(hold__released_at__isnull=False)
    count = stale.count()
    if count:
        stale.delete()
        audit_record(
            action="reviews.evidence_purged",
            subject_type="reviews.heldevidence",
            after={"count": count},
        )
    return count
