"""Writes on reviews: post, edit (own or staff, always versioned), moderate, vote, report.

Every change of a review locks its row first, so a vote, an edit and a moderation never
interleave; the product page's cached copy is bumped after commit (catalog.cache).

The product's rating columns (`Product.rating_average` in tenths and `rating_count`, which
listing cards show and «بیشترین امتیاز» sorts on) are recomputed from its approved reviews
whenever that set changes (approve, reject, the author's edit or a report sending an approved
review back to the queue, a hold), in the same transaction, under the product's row lock;
then the ratings version is bumped after commit so listings show the new stars.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from metavast.audit.services import audit_record
from metavast.catalog import cache as catalog_cache
from metavast.catalog.models import Product
from metavast.catalog.services.images import render_renditions
from metavast.core.text import to_persian_digits
from metavast.notifications.services import notify
from metavast.orders.models import Order, OrderStatus
from metavast.reviews import rules
from metavast.reviews.errors import (
    AlreadyReviewed,
    CannotVoteOwn,
    EditReasonLength,
    EditReasonRequired,
    MobileNotConfirmed,
    NotApproved,
    NotYourReview,
    RejectReasonRequired,
    ReviewNotFound,
    TooManyPhotos,
    TransitionNotAllowed,
)
from metavast.reviews.models import (
    TRANSITIONS,
    RejectReason,
    ReportReason,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewVersion,
    ReviewVote,
    Status,
)


@dataclass
class ReviewInput:
    rating: int
    title: str
    body: str
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)

    def cleaned(self) -> ReviewInput:
        return ReviewInput(
            rating=rules.clean_rating(self.rating),
            title=rules.clean_text(self.title, rules.TITLE, "title"),
            body=rules.clean_text(self.body, rules.BODY, "body"),
            pros=rules.clean_points(self.pros, "pros"),
            cons=rules.clean_points(self.cons, "cons"),
        )


def require_poster(user) -> None:
    """Posting needs a signed-in, active account with a confirmed mobile."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise MobileNotConfirmed()
    if not user.mobile_confirmed_at:
        raise MobileNotConfirmed()


def is_verified_buyer(*, user_id: int | None, product_id: int) -> bool:
    """Whether this account received this product: a delivered order with a line of it."""
    if user_id is None:
        return False
    return Order.objects.filter(
        user_id=user_id, status=OrderStatus.DELIVERED, lines__product_id=product_id
    ).exists()


def _bump_page(review: Review) -> None:
    slug = review.product.slug
    transaction.on_commit(lambda: catalog_cache.bump_product_slugs([slug]))


def product_rating_refresh(*, product_id: int) -> tuple[int, int]:
    """Recompute a product's rating columns from its approved reviews; returns (average in
    tenths, count). Call inside the transaction that changed the approved set: the product's
    row lock makes two moderations of the same product count each other's reviews (the
    aggregate runs after the lock, so it sees what the other one committed)."""
    Product.objects.filter(pk=product_id).select_for_update(of=("self",)).values_list(
        "pk", flat=True
    ).first()
    row = (
        Review.objects.approved()
        .for_product(product_id)
        .aggregate(count=Count("pk"), average=Avg("rating"))
    )
    count = row["count"] or 0
    # The product page's summary rounds the same way (summary.rating_summary).
    tenths = round(10 * round(float(row["average"] or 0), 1)) if count else 0
    Product.objects.filter(pk=product_id).update(rating_average=tenths, rating_count=count)
    transaction.on_commit(catalog_cache.bump_ratings)
    return tenths, count


def _rating_changed(review: Review, before: str) -> None:
    """The review left or joined the approved set (or changed while in it)."""
    if Status.APPROVED in (before, review.status):
        product_rating_refresh(product_id=review.product_id)


def _version(review: Review, *, by, by_staff: bool, reason: str = "") -> ReviewVersion:
    last = review.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ReviewVersion.objects.create(
        review=review,
        number=last + 1,
        rating=review.rating,
        title=review.title,
        body=review.body,
        pros=list(review.pros),
        cons=list(review.cons),
        edited_by=by,
        by_staff=by_staff,
        reason=reason,
        created_at=review.updated_at,
    )


def _photos(review: Review, photos) -> None:
    photos = list(photos or [])
    if len(photos) > rules.MAX_PHOTOS:
        raise TooManyPhotos()
    files: dict[str, bytes] = {}
    for position, upload in enumerate(photos):
        data = upload.read() if hasattr(upload, "read") else bytes(upload)
        # The catalog's checks: size cap, real type, pixel bomb, re-encoded (no EXIF/GPS).
        renditions = render_renditions(data)
        name = uuid.uuid4().hex
        large, thumb = f"reviews/{name[:2]}/{name}.webp", f"reviews/{name[:2]}/{name}-t.webp"
        ReviewPhoto.objects.create(
            review=review,
            large=large,
            thumb=thumb,
            width=renditions["width"],
            height=renditions["height"],
            position=position,
        )
        files[large], files[thumb] = renditions["large"], renditions["thumb"]

    def write():
        for path, blob in files.items():
            default_storage.save(path, ContentFile(blob))

    if files:
        transaction.on_commit(write)


@transaction.atomic
def review_post(
    *,
    product,
    author,
    data: ReviewInput,
    photos=(),
    ip: str = "",
    user_agent: str = "",
    now=None,
) -> Review:
    require_poster(author)
    rules.posting_allowed(kind="review", user_id=author.pk)
    clean = data.cleaned()
    if Review.objects.filter(product=product, author=author).exists():
        raise AlreadyReviewed()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product=product,
                author=author,
                rating=clean.rating,
                title=clean.title,
                body=clean.body,
                pros=clean.pros,
                cons=clean.cons,
                is_verified_buyer=is_verified_buyer(user_id=author.pk, product_id=product.pk),
                created_at=now,
                updated_at=now,
                queued_at=now,
                posted_ip=ip or "",
                posted_user_agent=(user_agent or "")[:500],
            )
    except IntegrityError:  # a parallel post of the same author won the constraint
        raise AlreadyReviewed() from None
    _version(review, by=author, by_staff=False)
    _photos(review, photos)
    audit_record(
        action="reviews.review_posted",
        actor=author,
        subject=review,
        after={"product_id": product.pk, "rating": clean.rating},
    )
    return review


def _locked(review_id: int) -> Review:
    review = Review.objects.lock().filter(pk=review_id).select_related("product").first()
    if review is None:
        raise ReviewNotFound()
    return review


@transaction.atomic
def review_edit_own(*, review: Review, author, data: ReviewInput, now=None) -> Review:
    """The author rewrites their review: a new version, and back to the queue."""
    review = _locked(review.pk)
    if author is None or review.author_id != author.pk:
        raise NotYourReview()
    clean = data.cleaned()
    now = now or timezone.now()
    before = review.status
    review.rating, review.title, review.body = clean.rating, clean.title, clean.body
    review.pros, review.cons = clean.pros, clean.cons
    review.status, review.reject_reason = Status.PENDING, ""
    review.updated_at = review.queued_at = now
    review.save()
    _rating_changed(review, before)
    _version(review, by=author, by_staff=False)
    audit_record(
        action="reviews.review_edited",
        actor=author,
        subject=review,
        before={"status": before},
        after={"status": review.status, "by": "author"},
    )
    _bump_page(review)
    return review


def _edit_reason(reason: str) -> str:
    """The moderator's reason, checked: none at all, too short and too long are three
    different mistakes, and each is named as such (with the limit in Persian digits)."""
    reason = (reason or "").strip()
    if not reason:
        raise EditReasonRequired(fields={"reason": [str(EditReasonRequired.message)]})
    size = rules.persian_length(reason)
    if size < rules.EDIT_REASON.minimum:
        message = _("دلیل ویرایش کوتاه است: دست‌کم %(minimum)s نویسه بنویسید (اکنون %(size)s).")
    elif len(reason) > rules.EDIT_REASON.maximum:  # the column's limit counts every character
        size = len(reason)
        message = _("دلیل ویرایش بلند است: حداکثر %(maximum)s نویسه بنویسید (اکنون %(size)s).")
    else:
        return rules.clean_text(reason, rules.EDIT_REASON, "reason")
    message %= {
        "minimum": to_persian_digits(rules.EDIT_REASON.minimum),
        "maximum": to_persian_digits(rules.EDIT_REASON.maximum),
        "size": to_persian_digits(size),
    }
    raise EditReasonLength(message, fields={"reason": [message]})


@transaction.atomic
def review_edit_staff(
    *, review: Review, actor, reason: str, title: str, body: str, pros=None, cons=None, now=None
) -> Review:
    """A moderator edits to keep the rules (P6): who, when and why are kept with the new
    version; the previous text stays in its own version. The rating is the author's."""
    reason = _edit_reason(reason)
    review = _locked(review.pk)
    clean = ReviewInput(
        rating=review.rating,
        title=title,
        body=body,
        pros=review.pros if pros is None else pros,
        cons=review.cons if cons is None else cons,
    ).cleaned()
    if (clean.title, clean.body, clean.pros, clean.cons) == (
        review.title,
        review.body,
        list(review.pros),
        list(review.cons),
    ):
        return review
    review.title, review.body, review.pros, review.cons = (
        clean.title,
        clean.body,
        clean.pros,
        clean.cons,
    )
    review.edited_by_staff = True
    review.updated_at = now or timezone.now()
    review.save()
    version = _version(review, by=actor, by_staff=True, reason=reason)
    audit_record(
        action="reviews.review_edited",
        actor=actor,
        subject=review,
        after={"by": "staff", "version": version.number},
    )
    if review.author is not None:
        author = review.author
        (
            notify(
                user=author,
                template="reviews/edited",
                context={"product_title": review.product.title, "reason": reason},
            )
        )
    _bump_page(review)
    return review


@transaction.atomic
def review_moderate(*, review: Review, actor, to: str, reject_reason: str = "", now=None) -> Review:
    review = _locked(review.pk)
    to = Status(to)
    if to == review.status:
        return review
    if to not in TRANSITIONS[review.status]:
        raise TransitionNotAllowed()
    if to == Status.REJECTED:
        if reject_reason not in RejectReason.values:
            raise RejectReasonRequired()
    else:
        reject_reason = ""
    before = review.status
    now = now or timezone.now()
    review.status, review.reject_reason = to, reject_reason
    review.moderated_at, review.moderated_by = now, actor
    review.queued_at = now if to == Status.PENDING else None
    review.save()
    _rating_changed(review, before)
    audit_record(
        action="reviews.review_moderated",
        actor=actor,
        subject=review,
        before={"status": before},
        after={"status": to, "reject_reason": reject_reason},
    )
    if review.author is not None and to in (Status.APPROVED, Status.REJECTED):
        author, title = review.author, review.product.title
        reason_text = RejectReason(reject_reason).label if reject_reason else ""
        template = "reviews/approved" if to == Status.APPROVED else "reviews/rejected"
        (
            notify(
                user=author,
                template=template,
                context={"product_title": title, "reason": reason_text},
            )
        )
    _bump_page(review)
    return review


def review_moderate_many(*, reviews, actor, to: str, reject_reason: str = "") -> int:
    """Bulk moderation: each review in its own transaction; returns how many changed."""
    changed = 0
    for review in reviews:
        try:
            before = review.status
            after = review_moderate(
                review=review, actor=actor, to=to, reject_reason=reject_reason
            ).status
            changed += before != after
        except TransitionNotAllowed:
            continue
    return changed


@transaction.atomic
def review_vote(*, review: Review, user, is_helpful: bool) -> Review:
    """One vote per account: a repeated vote is a no-op, a changed vote moves the count.
    The review's row lock serialises parallel votes; the unique constraint backs it."""
    require_poster(user)
    rules.posting_allowed(kind="vote", user_id=user.pk)
    review = _locked(review.pk)
    if review.status != Status.APPROVED:
        raise NotApproved()
    if review.author_id == user.pk:
        raise CannotVoteOwn()
    vote = ReviewVote.objects.filter(review=review, user=user).first()
    if vote is not None and vote.is_helpful == is_helpful:
        return review
    if vote is None:
        ReviewVote.objects.create(review=review, user=user, is_helpful=is_helpful)
    else:
        vote.is_helpful = is_helpful
        vote.save(update_fields=["is_helpful"])
        if is_helpful:
            review.unhelpful_count -= 1
        else:
            review.helpful_count -= 1
    if is_helpful:
        review.helpful_count += 1
    else:
        review.unhelpful_count += 1
    review.save(update_fields=["helpful_count", "unhelpful_count"])
    _bump_page(review)
    return review


@transaction.atomic
def review_report(*, review: Review, user, reason: str, now=None) -> Review:
    """A customer's report brings an approved review back to the queue (once per account)."""
    require_poster(user)
    rules.posting_allowed(kind="report", user_id=user.pk)
    if reason not in ReportReason.values:
        raise RejectReasonRequired()
    review = _locked(review.pk)
    if review.status != Status.APPROVED:
        return review
    _report, created = ReviewReport.objects.get_or_create(
        review=review, user=user, defaults={"reason": reason}
    )
    if not created:
        return review
    review.status, review.queued_at = Status.PENDING, now or timezone.now()
    review.save(update_fields=["status", "queued_at"])
    _rating_changed(review, Status.APPROVED)
    audit_record(
        action="reviews.review_reported",
        actor=user,
        subject=review,
        before={"status": Status.APPROVED},
        after={"status": Status.PENDING, "reason": reason},
    )
    _bump_page(review)
    return review
