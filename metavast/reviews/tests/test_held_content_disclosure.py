"""Held review evidence leaves the shop only through the legal-disclosure register (P6, P8):
the «محتوای نگهداشت‌شده به حکم قانونی» category of a package holds exactly the decrypted
evidence of the scoped customers' held reviews, and every piece put in it is audited."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.legal import collectors, package
from metavast.legal.models import DataCategory
from metavast.legal.services import (
    disclosure_approve,
    disclosure_package_download,
    disclosure_submit,
)
from metavast.legal.tests.factories import make_officer, make_request
from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import HeldEvidence
from metavast.reviews.services import (
    held_content_collect,
    review_edit_staff,
    review_hold_place,
    review_hold_release,
)
from metavast.reviews.tests.factories import make_review, make_staff

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct-horse-battery-staple-42"


def _package(customers, categories, django_capture_on_commit_callbacks) -> dict:
    first, second = make_officer(first_name="مریم"), make_officer(first_name="حسین")
    request = make_request(
        officer=first, customers=[c.mobile for c in customers], categories=categories
    )
    disclosure_submit(request_id=request.pk, actor=first)
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_approve(request_id=request.pk, actor=second, note="حکم معتبر است")
    with django_capture_on_commit_callbacks(execute=True):
        result = disclosure_package_download(
            request_id=request.pk, actor=first, passphrase=PASSPHRASE
        )
    archive = zipfile.ZipFile(io.BytesIO(package.decrypt_from_transit(result.content, PASSPHRASE)))
    return json.loads(archive.read("data.json"))


@pytest.fixture
def held(shop):
    author = make_customer(first_name="رضا", last_name="کریمی")
    review = make_review(
        author=author, title="متن مجرمانه", body="متن نخست نویسنده که مجرمانه است."
    )
    review_edit_staff(
        review=review,
        actor=make_staff("moderator"),
        reason="حذف تهدید برای رعایت قوانین",
        title="متن ویرایش‌شده",
        body="[بخشی از این دیدگاه حذف شد]، باقی متن.",
    )
    evidence = review_hold_place(
        review=review, actor=make_staff("legal_officer"), reason="نامهٔ پلیس فتا شمارهٔ ۱۲۳"
    )
    # Another customer's review, approved and not held: never part of anyone's package.
    bystander = make_customer(first_name="نگار", last_name="امینی")
    make_review(author=bystander, title="دیدگاه عادی", body="این کالا را دوست داشتم و خوب است.")
    return author, review, evidence, bystander


def test_reviews_registers_its_collector_at_start_up():
    assert collectors.registered(DataCategory.HELD_CONTENT) is held_content_collect
    assert DataCategory.HELD_CONTENT.label == "محتوای نگهداشت‌شده به حکم قانونی"


def test_package_holds_exactly_the_held_evidence_and_the_read_is_audited(
    held, django_capture_on_commit_callbacks
):
    author, review, evidence, bystander = held
    stored = json.loads(HeldEvidence.objects.get(pk=evidence.pk).payload)

    document = _package(
        [author, bystander], [DataCategory.HELD_CONTENT], django_capture_on_commit_callbacks
    )

    assert document["categories"] == ["held_content"]
    records = {c["customer_id"]: c for c in document["customers"]}
    assert set(records) == {author.pk, bystander.pk}
    assert set(records[author.pk]) == {"customer_id", "held_content"}
    (item,) = records[author.pk]["held_content"]
    assert item["hold_id"] == evidence.hold_id
    assert item["evidence"] == stored  # exactly what the hold preserved, decrypted
    record = item["evidence"]
    assert record["review_id"] == review.pk and record["author_account_id"] == author.pk
    assert record["posted_ip"] == "203.0.113.77"
    assert "TestPhone" in record["posted_user_agent"]
    assert [v["title"] for v in record["versions"]] == ["متن مجرمانه", "متن ویرایش‌شده"]
    assert record["versions"][1]["reason"] == "حذف تهدید برای رعایت قوانین"
    assert record["created_at"] and record["versions"][0]["created_at"]
    # A customer without holds: an empty list, and nothing of anyone else's.
    assert records[bystander.pk]["held_content"] == []
    assert "دیدگاه عادی" not in json.dumps(document, ensure_ascii=False)

    (read,) = AuditEvent.objects.filter(
        action="reviews.evidence_viewed", subject_id=str(evidence.pk)
    )
    assert read.subject_type == "reviews.heldevidence" and read.actor_id is None
    assert read.after == {"hold_id": evidence.hold_id, "purpose": "legal_disclosure"}


def test_held_content_is_only_in_a_package_that_asks_for_it(
    held, django_capture_on_commit_callbacks
):
    author, _review, _evidence, _bystander = held
    document = _package([author], [DataCategory.IDENTITY], django_capture_on_commit_callbacks)
    assert set(document["customers"][0]) == {"customer_id", "identity"}
    assert "203.0.113.77" not in json.dumps(document)
    assert not AuditEvent.objects.filter(action="reviews.evidence_viewed").exists()


def test_evidence_outside_the_period_or_of_a_released_hold_is_left_out(held):
    author, _review, evidence, _bystander = held
    now = timezone.now()
    assert held_content_collect([author.pk], now - dt.timedelta(days=1), now + dt.timedelta(1))
    assert (
        held_content_collect([author.pk], now - dt.timedelta(days=9), now - dt.timedelta(8)) == []
    )
    review_hold_release(
        hold=evidence.hold, actor=make_staff("legal_officer"), reason="پرونده بسته شد"
    )
    assert (
        held_content_collect([author.pk], now - dt.timedelta(days=1), now + dt.timedelta(1)) == []
    )
