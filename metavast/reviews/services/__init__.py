"""Writes of the reviews app; other code imports from here."""

from metavast.reviews.services.holds import (
    evidence_read,
    held_content_collect,
    held_evidence_purge,
    review_evidence,
    review_hold_place,
    review_hold_release,
)
from metavast.reviews.services.questions import (
    answer_moderate,
    answer_post,
    question_ask,
    question_moderate,
)
from metavast.reviews.services.reviews import (
    ReviewInput,
    is_verified_buyer,
    product_rating_refresh,
    require_poster,
    review_edit_own,
    review_edit_staff,
    review_moderate,
    review_moderate_many,
    review_post,
    review_report,
    review_vote,
)

__all__ = [
    "ReviewInput",
    "answer_moderate",
    "answer_post",
    "evidence_read",
    "held_content_collect",
    "held_evidence_purge",
    "is_verified_buyer",
    "product_rating_refresh",
    "question_ask",
    "question_moderate",
    "require_poster",
    "review_edit_own",
    "review_edit_staff",
    "review_evidence",
    "review_hold_place",
    "review_hold_release",
    "review_moderate",
    "review_moderate_many",
    "review_post",
    "review_report",
    "review_vote",
]
