import pytest
from django.core.cache import cache

from metavast.audit.models import AuditEvent
from metavast.notifications.models import OutboxMessage
from metavast.orders.tests.factories import make_customer
from metavast.reviews import rules
from metavast.reviews.errors import (
    AlreadyReviewed,
    CannotVoteOwn,
    EditReasonLength,
    EditReasonRequired,
    InvalidText,
    MobileNotConfirmed,
    NotYourReview,
    PostingTooFast,
    RejectReasonRequired,
)
from metavast.reviews.models import RejectReason, Review, ReviewVersion, ReviewVote, Status
from metavast.reviews.services import (
    review_edit_own,
    review_edit_staff,
    review_moderate,
    review_post,
    review_report,
    review_vote,
)
from metavast.reviews.tests.factories import data, deliver, make_product, make_review, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(shop):
    return make_product()


def test_posting_needs_a_confirmed_mobile(product):
    author = make_customer(mobile_confirmed=False)
    with pytest.raises(MobileNotConfirmed):
        review_post(product=product, author=author, data=data())
    assert not Review.objects.exists()


def test_a_new_review_waits_with_its_original_as_version_one(product):
    author = make_customer()
    review = review_post(product=product, author=author, data=data(), ip="198.51.100.4")
    assert review.status == Status.PENDING and review.queued_at is not None
    assert not review.is_verified_buyer
    [v1] = review.versions.all()
    assert (v1.number, v1.title, v1.edited_by_id, v1.by_staff) == (
        1,
        "گوشی خوبی است",
        author.pk,
        False,
    )
    assert AuditEvent.objects.filter(
        action="reviews.review_posted", subject_id=str(review.pk)
    ).exists()
    with pytest.raises(AlreadyReviewed):
        review_post(product=product, author=author, data=data())


def test_verified_buyer_badge_comes_from_a_delivered_order(product):
    buyer = make_customer()
    deliver(buyer, product)
    review = review_post(product=product, author=buyer, data=data())
    assert review.is_verified_buyer is True


@pytest.mark.parametrize(
    "payload",
    ["\u202eگوشی", "عنوان\u200fبد", "سلام\u0000", "bad\u2066title", "عنوان\u200b"],
)
def test_bidi_and_control_characters_are_refused(product, payload):
    with pytest.raises(InvalidText) as caught:
        review_post(product=product, author=make_customer(), data=data(title=payload))
    assert "title" in caught.value.fields
    assert not Review.objects.exists()


def test_zwnj_is_kept_and_not_counted(product):
    review = review_post(
        product=product,
        author=make_customer(),
        data=data(title="می‌خواهم", body="نمی‌دانم چرا این‌قدر خوب است."),
    )
    assert review.title == "می‌خواهم"
    assert rules.persian_length("می‌خواهم") == 7
    assert rules.persian_length("سَلام") == 4


def test_persian_length_limit(product):
    with pytest.raises(InvalidText) as caught:
        review_post(product=product, author=make_customer(), data=data(body="خیلی‌خوب"))
    assert "body" in caught.value.fields and "۱۰" in caught.value.fields["body"][0]


def test_rate_limit(product, settings):
    settings.REVIEWS_LIMITS = {**rules.LIMITS, "review": (1, 3600)}
    author = make_customer()
    review_post(product=product, author=author, data=data())
    with pytest.raises(PostingTooFast):
        review_post(product=make_product(), author=author, data=data())


def test_moderation_rejects_only_with_a_rule_and_tells_the_author(product):
    review = make_review(product, approved=False)
    moderator = make_staff("moderator")
    with pytest.raises(RejectReasonRequired):
        review_moderate(review=review, actor=moderator, to=Status.REJECTED)
    review.refresh_from_db()
    assert review.status == Status.PENDING
    review_moderate(
        review=review, actor=moderator, to=Status.REJECTED, reject_reason=RejectReason.ADVERTISING
    )
    review.refresh_from_db()
    assert (review.status, review.reject_reason, review.queued_at) == (
        Status.REJECTED,
        RejectReason.ADVERTISING,
        None,
    )
    messages = OutboxMessage.objects.filter(user=review.author, template="reviews/rejected")
    assert messages.count() == 2  # email and SMS, both confirmed


def test_own_edit_is_versioned_and_goes_back_to_the_queue(product):
    review = make_review(product)
    assert review.status == Status.APPROVED
    review_edit_own(review=review, author=review.author, data=data(title="بعد از یک ماه"))
    review.refresh_from_db()
    assert (review.status, review.title) == (Status.PENDING, "بعد از یک ماه")
    assert list(review.versions.values_list("number", "title")) == [
        (1, "گوشی خوبی است"),
        (2, "بعد از یک ماه"),
    ]
    with pytest.raises(NotYourReview):
        review_edit_own(review=review, author=make_customer(), data=data(title="دزدی"))
    assert review.versions.count() == 2


def test_staff_edit_keeps_the_original_who_when_why(product):
    review = make_review(product, body="برای خرید با ۰۹۱۲۱۲۳۴۵۶۷ تماس بگیرید، عالی است.")
    moderator = make_staff("moderator")
    with pytest.raises(EditReasonRequired):
        review_edit_staff(review=review, actor=moderator, reason="", title=review.title, body="x")
    review_edit_staff(
        review=review,
        actor=moderator,
        reason="شماره تلفن حذف شد (اطلاعات شخصی)",
        title=review.title,
        body="برای خرید [حذف شد]، عالی است.",
    )
    review.refresh_from_db()
    assert review.edited_by_staff and review.status == Status.APPROVED
    v1, v2 = review.versions.order_by("number")
    assert "۰۹۱۲۱۲۳۴۵۶۷" in v1.body and not v1.by_staff
    assert (v2.by_staff, v2.edited_by_id, v2.reason) == (
        True,
        moderator.pk,
        "شماره تلفن حذف شد (اطلاعات شخصی)",
    )
    assert OutboxMessage.objects.filter(user=review.author, template="reviews/edited").exists()


def test_votes_count_once_and_can_change(product):
    review = make_review(product)
    voter = make_customer()
    review_vote(review=review, user=voter, is_helpful=True)
    review_vote(review=review, user=voter, is_helpful=True)
    review.refresh_from_db()
    assert (review.helpful_count, review.unhelpful_count) == (1, 0)
    review_vote(review=review, user=voter, is_helpful=False)
    review.refresh_from_db()
    assert (review.helpful_count, review.unhelpful_count) == (0, 1)
    assert ReviewVote.objects.filter(review=review).count() == 1
    with pytest.raises(CannotVoteOwn):
        review_vote(review=review, user=review.author, is_helpful=True)


def test_a_report_brings_an_approved_review_back_to_the_queue(product):
    review = make_review(product)
    reporter = make_customer()
    review_report(review=review, user=reporter, reason="offensive")
    review.refresh_from_db()
    assert review.status == Status.PENDING and review.queued_at is not None
    assert AuditEvent.objects.filter(action="reviews.review_reported").count() == 1


def test_versions_are_never_rewritten(product):
    review = make_review(product)
    first = ReviewVersion.objects.get(review=review, number=1)
    review_edit_own(
        review=review, author=review.author, data=data(body="نظرم کمی عوض شد، ولی هنوز خوب است.")
    )
    assert ReviewVersion.objects.get(pk=first.pk).body == first.body


def test_cache_is_cleared_between_tests():
    assert cache.get("reviews:limit:review:1") is None


def test_photos_are_checked_and_lose_their_exif(product, django_capture_on_commit_callbacks):
    import io

    from django.core.files.storage import default_storage
    from PIL import Image

    from metavast.reviews.errors import TooManyPhotos

    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (35.0, 41.0, 0.0)}  # GPS latitude
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif)
    assert b"SecretCam" in raw.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        review = review_post(
            product=product, author=make_customer(), data=data(), photos=[raw.getvalue()]
        )
    [photo] = review.photos.all()
    with default_storage.open(photo.large) as stored:
        content = stored.read()
    assert content[:4] == b"RIFF" and b"SecretCam" not in content and b"Exif" not in content
    with pytest.raises(TooManyPhotos):
        review_post(
            product=make_product(), author=make_customer(), data=data(), photos=[raw.getvalue()] * 6
        )
    from metavast.catalog.errors import InvalidImage

    with pytest.raises(InvalidImage):
        review_post(
            product=make_product(), author=make_customer(), data=data(), photos=[b"not an image"]
        )


def test_staff_edit_names_a_short_or_long_reason_as_such_and_changes_nothing(product):
    review = make_review(product)
    moderator = make_staff("moderator")
    edit = {"review": review, "actor": moderator, "title": review.title, "body": "متن تازهٔ کامل."}
    with pytest.raises(EditReasonRequired) as missing:
        review_edit_staff(**edit, reason="   ")
    assert missing.value.fields == {"reason": ["ویرایش مدیر بدون نوشتن دلیل ممکن نیست."]}
    with pytest.raises(EditReasonLength) as short:
        review_edit_staff(**edit, reason=" ab ")
    assert short.value.code == "edit_reason_length" and short.value.status == 422
    assert short.value.fields == {
        "reason": ["دلیل ویرایش کوتاه است: دست‌کم ۵ نویسه بنویسید (اکنون ۲)."]
    }
    with pytest.raises(EditReasonLength) as long:
        review_edit_staff(**edit, reason="ب" * 301)
    assert long.value.fields == {
        "reason": ["دلیل ویرایش بلند است: حداکثر ۳۰۰ نویسه بنویسید (اکنون ۳۰۱)."]
    }
    assert review.versions.count() == 1 and not Review.objects.get(pk=review.pk).edited_by_staff
    review_edit_staff(**edit, reason="ب" * 300)  # exactly the limits pass
    review_edit_staff(**{**edit, "body": "متنی دیگر و کامل."}, reason="ابجدی")
    assert review.versions.count() == 3
