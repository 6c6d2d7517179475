"""Legal hold on a review (P6): evidence kept encrypted and apart, survives deletion,
erasure and every retention rule, read only by a legal officer (audited), removed on
release."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.legal.holds import is_held
from metavast.reviews.errors import AlreadyHeld, EvidenceDenied
from metavast.reviews.models import HOLD_SUBJECT_REVIEW, HeldEvidence, RejectReason, Review, Status
from metavast.reviews.services import (
    evidence_read,
    held_evidence_purge,
    review_edit_staff,
    review_hold_place,
    review_hold_release,
)
from metavast.reviews.tests.factories import make_review, make_staff

pytestmark = pytest.mark.django_db

REASON = "تهدید به خشونت؛ نامهٔ پلیس فتا شمارهٔ ۱۲۳"


@pytest.fixture
def held(shop):
    review = make_review(title="متن مجرمانه", body="این متن نخست نوشتهٔ نویسنده است و مجرمانه.")
    review_edit_staff(
        review=review,
        actor=make_staff("moderator"),
        reason="حذف تهدید برای رعایت قوانین",
        title="متن ویرایش‌شده",
        body="[بخشی از این دیدگاه حذف شد]، باقی متن.",
    )
    officer = make_staff("legal_officer")
    evidence = review_hold_place(review=review, actor=officer, reason=REASON)
    return review, officer, evidence


def test_placing_a_hold_preserves_every_version_encrypted_and_hides_the_item(held):
    review, officer, evidence = held
    review.refresh_from_db()
    assert is_held(subject_type=HOLD_SUBJECT_REVIEW, subject_id=review.pk)
    assert is_held(user_id=review.author_id)
    assert (review.status, review.reject_reason) == (Status.REJECTED, RejectReason.ILLEGAL)
    record = evidence_read(evidence=evidence, actor=officer)
    assert record["author_account_id"] == review.author_id
    assert record["posted_ip"] == "203.0.113.77"
    assert "TestPhone" in record["posted_user_agent"]
    assert [v["title"] for v in record["versions"]] == ["متن مجرمانه", "متن ویرایش‌شده"]
    assert record["versions"][1]["reason"] == "حذف تهدید برای رعایت قوانین"
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(payload AS TEXT) FROM reviews_heldevidence")
        [(raw,)] = cursor.fetchall()
    assert "203.0.113.77" not in raw and "مجرمانه" not in raw
    with pytest.raises(AlreadyHeld):
        review_hold_place(review=review, actor=officer, reason=REASON)


def test_only_the_legal_role_reads_evidence_and_every_look_is_audited(held):
    _review, officer, evidence = held
    with pytest.raises(EvidenceDenied):
        evidence_read(evidence=evidence, actor=make_staff("moderator"))
    before = AuditEvent.objects.filter(action="reviews.evidence_viewed").count()
    evidence_read(evidence=evidence, actor=officer)
    evidence_read(evidence=evidence, actor=officer)
    assert AuditEvent.objects.filter(action="reviews.evidence_viewed").count() == before + 2
    event = AuditEvent.objects.filter(action="reviews.evidence_viewed").latest("pk")
    assert event.actor_id == officer.pk and "203.0.113" not in json.dumps(event.after)


def test_evidence_survives_deleting_the_review_and_the_author(held):
    review, officer, evidence = held
    author_id = review.author_id
    Review.objects.filter(pk=review.pk).delete()
    review.author.delete()
    record = evidence_read(evidence=HeldEvidence.objects.get(pk=evidence.pk), actor=officer)
    assert record["author_account_id"] == author_id
    assert len(record["versions"]) == 2


def test_held_review_survives_account_erasure_and_every_retention_rule(held):
    from metavast.privacy.retention import retention_run
    from metavast.privacy.services.erasure import erasure_blocker

    review, officer, evidence = held
    other = make_review()
    assert erasure_blocker(review.author) is not None  # the hold blocks erasure, with a reason
    retention_run(now=timezone.now() + dt.timedelta(days=365 * 20))
    review.refresh_from_db()
    other.refresh_from_db()
    assert review.posted_ip == "203.0.113.77"  # held: the rule skipped it
    assert other.posted_ip == ""  # not held: redacted
    assert review.versions.count() == 2
    record = evidence_read(evidence=HeldEvidence.objects.get(pk=evidence.pk), actor=officer)
    assert [v["number"] for v in record["versions"]] == [1, 2]


def test_release_by_an_officer_with_a_reason_removes_the_evidence(held):
    review, officer, evidence = held
    review_hold_release(
        hold=evidence.hold, actor=officer, reason="پرونده بسته شد؛ حکم قطعی صادر شد"
    )
    assert not HeldEvidence.objects.filter(pk=evidence.pk).exists()
    assert not is_held(subject_type=HOLD_SUBJECT_REVIEW, subject_id=review.pk)
    assert held_evidence_purge() == 0
