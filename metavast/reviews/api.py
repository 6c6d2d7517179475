"""The reviews API (/api/v1/reviews): read reviews and questions of a product; post,
vote and report with a token (or the session with CSRF). Texts come back as plain strings:
clients must escape them, as our pages do."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api_auth import token_or_session
from metavast.catalog.models import Product
from metavast.core.clientip import request_ip
from metavast.core.schemas import ErrorOut, InputSchema, MultilineText
from metavast.reviews import services, summary
from metavast.reviews.models import Question, ReportReason, Review

router = Router(tags=["reviews"])
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 429), ErrorOut)
PAGE_SIZE = 20


class ReviewOut(Schema):
    id: int
    rating: int
    title: str
    body: str
    pros: list[str]
    cons: list[str]
    is_verified_buyer: bool = Field(..., description="خریدار این کالا (سفارش تحویل‌شده)")
    edited_by_staff: bool = Field(..., description="ویرایش‌شده توسط مدیر")
    helpful_count: int
    unhelpful_count: int
    created_at: dt.datetime


class DistributionOut(Schema):
    stars: int
    percent: int


class SummaryOut(Schema):
    count: int
    average: float
    distribution: list[DistributionOut]


class ReviewPageOut(Schema):
    summary: SummaryOut
    items: list[ReviewOut]
    page: int
    has_next: bool


class AnswerOut(Schema):
    body: str
    by_seller: bool
    is_verified_buyer: bool
    created_at: dt.datetime


class QuestionOut(Schema):
    id: int
    body: str
    created_at: dt.datetime
    answers: list[AnswerOut]


class ReviewListQuery(InputSchema):
    sort: str = Field("newest", pattern="^(newest|helpful|rating)$")
    verified: bool = False
    page: int = Field(1, ge=1, le=1000)


class ReviewIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_id": 42,
                    "rating": 5,
                    "title": "خوش‌دست و سبک",
                    "body": "دو هفته است استفاده می‌کنم و از باتری‌اش راضی‌ام.",
                    "pros": ["باتری"],
                    "cons": ["قاب لغزنده"],
                }
            ]
        }
    )

    product_id: int
    rating: int = Field(..., ge=1, le=5)
    title: str = Field(..., max_length=400)
    body: MultilineText = Field(..., max_length=6000)
    pros: list[str] = Field(default_factory=list, max_length=5)
    cons: list[str] = Field(default_factory=list, max_length=5)


class VoteIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"helpful": True}]})

    helpful: bool


class ReportIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "spam"}]})

    reason: str = Field(..., description="، ".join(ReportReason.values))


class QuestionIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"product_id": 42, "body": "آیا شارژر هم همراهش هست؟"}]}
    )

    product_id: int
    body: MultilineText = Field(..., max_length=1500)


class CreatedOut(Schema):
    id: int
    status: str


def _product(product_id: int) -> Product:
    return get_object_or_404(Product.objects.visible(), pk=product_id)


@router.get(
    "/products/{product_id}/reviews",
    response={200: ReviewPageOut, 404: ErrorOut, 422: ErrorOut},
    url_name="reviews_list",
    operation_id="reviews_list",
)
def list_reviews(request, product_id: int, query: Query[ReviewListQuery]):
    product = _product(product_id)
    rows = summary.review_list(product.pk, sort=query.sort, verified_only=query.verified)
    start = (query.page - 1) * PAGE_SIZE
    items = list(rows[start : start + PAGE_SIZE + 1])
    s = summary.rating_summary(product.pk)
    return {
        "summary": {
            "count": s["count"],
            "average": s["average"],
            "distribution": [
                {"stars": d["stars"], "percent": d["percent"]} for d in s["distribution"]
            ],
        },
        "items": items[:PAGE_SIZE],
        "page": query.page,
        "has_next": len(items) > PAGE_SIZE,
    }


@router.get(
    "/products/{product_id}/questions",
    response={200: list[QuestionOut], 404: ErrorOut, 422: ErrorOut},
    url_name="reviews_questions",
    operation_id="reviews_list_questions",
)
def list_questions(request, product_id: int):
    product = _product(product_id)
    return [
        {
            "id": q.pk,
            "body": q.body,
            "created_at": q.created_at,
            "answers": list(q.answers.all()),
        }
        for q in summary.question_list(product.pk)[:50]
    ]


def _ua(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


@router.post(
    "",
    auth=token_or_session,
    response={201: CreatedOut, **ERRORS},
    url_name="reviews_post",
    operation_id="reviews_post",
)
# The path it had first, kept for callers of that day; unpublished (no trailing slashes).
@router.post(
    "/",
    auth=token_or_session,
    response={201: CreatedOut, **ERRORS},
    url_name="reviews_post_slash",
    include_in_schema=False,
)
def post_review(request, payload: ReviewIn):
    fields = payload.dict()
    product = _product(fields.pop("product_id"))
    review = services.review_post(
        product=product,
        author=request.auth,
        data=services.ReviewInput(**fields),
        ip=request_ip(request) or "",
        user_agent=_ua(request),
    )
    return Status(201, {"id": review.pk, "status": review.status})


@router.post(
    "/{review_id}/vote",
    auth=token_or_session,
    response={200: ReviewOut, **ERRORS},
    url_name="reviews_vote",
    operation_id="reviews_vote",
)
def vote(request, review_id: int, payload: VoteIn):
    review = get_object_or_404(Review.objects.select_related("product"), pk=review_id)
    return services.review_vote(review=review, user=request.auth, is_helpful=payload.helpful)


@router.post(
    "/{review_id}/report",
    auth=token_or_session,
    response={204: None, **ERRORS},
    url_name="reviews_report",
    operation_id="reviews_report",
)
def report(request, review_id: int, payload: ReportIn):
    review = get_object_or_404(Review.objects.select_related("product"), pk=review_id)
    services.review_report(review=review, user=request.auth, reason=payload.reason)
    return Status(204, None)


@router.post(
    "/questions",
    auth=token_or_session,
    response={201: CreatedOut, **ERRORS},
    url_name="reviews_ask",
    operation_id="reviews_ask_question",
)
def ask(request, payload: QuestionIn):
    question: Question = services.question_ask(
        product=_product(payload.product_id),
        author=request.auth,
        body=payload.body,
        ip=request_ip(request) or "",
        user_agent=_ua(request),
    )
    return Status(201, {"id": question.pk, "status": question.status})
