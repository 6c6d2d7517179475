"""What the product page shows of reviews and questions, in a fixed number of queries.

`product_block(product)` runs five queries whatever the number of reviews: the rating summary
(one aggregate), the latest reviews, their photos, the questions and their answers. A product
without approved reviews (its own rating_count, kept with them) skips the first three.
The JSON-LD (schema.org AggregateRating and Review) is built from the same rows, with
`<`, `>` and `&` escaped so a review's text can never close the script element.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Avg, Count, Prefetch, Q

from metavast.core.text import to_persian_digits
from metavast.reviews.models import Answer, Question, Review, ReviewPhoto, Status

BLOCK_REVIEWS = 5
BLOCK_QUESTIONS = 5
SORTS = {
    "newest": "جدیدترین",
    "helpful": "مفیدترین",
    "rating": "بیشترین امتیاز",
}
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def rating_summary(product_id: int, *, approved_count: int | None = None) -> dict:
    """The stars of a product's approved reviews. `approved_count` is the product's own
    rating_count (kept in the transaction that changes the approved set): when it is 0 the
    aggregate is skipped, the largest part of an uncached product page without reviews."""
    if approved_count == 0:
        row = {"count": 0, "average": None, **{f"r{n}": 0 for n in range(1, 6)}}
    else:
        counts = {f"r{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)}
        row = (
            Review.objects.approved()
            .for_product(product_id)
            .aggregate(count=Count("pk"), average=Avg("rating"), **counts)
        )
    total = row["count"] or 0
    average = round(float(row["average"] or 0), 1)
    distribution = [
        {
            "stars": n,
            "stars_text": to_persian_digits(n),
            "count_text": to_persian_digits(row[f"r{n}"]),
            "percent": round(100 * row[f"r{n}"] / total) if total else 0,
            # The bar's width as a class (w0..w100 by tens): the CSP allows no inline style.
            "bucket": 10 * round(10 * row[f"r{n}"] / total) if total else 0,
        }
        for n in range(5, 0, -1)
    ]
    return {
        "count": total,
        "count_text": to_persian_digits(total),
        "average": average,
        "average_text": to_persian_digits(f"{average:.1f}".replace(".", "٫")),
        "distribution": distribution,
    }


def review_list(product_id: int, *, sort: str = "newest", verified_only: bool = False):
    reviews = Review.objects.approved().for_product(product_id)
    if verified_only:
        reviews = reviews.filter(is_verified_buyer=True)
    return reviews.sorted_by(sort).prefetch_related(
        Prefetch("photos", queryset=ReviewPhoto.objects.all())
    )


def question_list(product_id: int):
    return (
        Question.objects.approved()
        .filter(product_id=product_id)
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.filter(status=Status.APPROVED).order_by(
                    "-by_seller", "created_at"
                ),
            )
        )
    )


def json_ld(product, summary: dict, reviews) -> str:
    if not summary["count"]:
        return ""
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": summary["average"],
            "reviewCount": summary["count"],
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "name": r.title,
                "reviewBody": r.body,
                "datePublished": r.created_at.date().isoformat(),
                "author": {"@type": "Person", "name": "خریدار" if r.is_verified_buyer else "کاربر"},
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": r.rating,
                    "bestRating": 5,
                    "worstRating": 1,
                },
            }
            for r in reviews
        ],
    }
    return json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)


def product_block(product) -> dict:
    summary = rating_summary(product.pk, approved_count=product.rating_count)
    reviews = list(review_list(product.pk)[:BLOCK_REVIEWS]) if summary["count"] else []
    questions = list(question_list(product.pk)[:BLOCK_QUESTIONS])
    return {
        "product": product,
        "summary": summary,
        "reviews": reviews,
        "questions": questions,
        "sorts": SORTS,
        "json_ld": json_ld(product, summary, reviews),
        "MEDIA_URL": settings.MEDIA_URL,
    }
