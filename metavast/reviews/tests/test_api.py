import pytest
from django.test import Client

from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import Question, Review, ReviewVote, Status
from metavast.reviews.tests.factories import make_product, make_review

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reviews"


@pytest.fixture
def product(shop):
    return make_product()


def test_reading_reviews_and_the_schema(client, product):
    make_review(product, rating=5, title="<img src=x onerror=alert(1)>")
    make_review(product, rating=3, approved=False)
    body = client.get(f"{BASE}/products/{product.pk}/reviews?sort=rating").json()
    assert body["summary"]["count"] == 1 and body["summary"]["average"] == 5.0
    [item] = body["items"]
    assert item["title"] == "<img src=x onerror=alert(1)>"  # plain text; clients escape
    assert client.get(f"{BASE}/products/{product.pk}/reviews?sort=bogus").status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/reviews/products/{product_id}/reviews",
        "/api/v1/reviews/products/{product_id}/questions",
        "/api/v1/reviews",  # published without the trailing slash (which still answers)
        "/api/v1/reviews/{review_id}/vote",
        "/api/v1/reviews/{review_id}/report",
        "/api/v1/reviews/questions",
    ):
        assert path in schema["paths"], path


def test_posting_voting_reporting_need_a_signed_in_customer(product):
    anonymous = Client()
    response = anonymous.post(
        f"{BASE}/",
        {"product_id": product.pk, "rating": 5, "title": "خوب", "body": "متن"},
        content_type="application/json",
    )
    assert response.status_code == 401 and not Review.objects.exists()


def test_post_vote_report_and_ask_with_a_session(product):
    author = make_customer()
    client = Client(enforce_csrf_checks=False)
    client.force_login(author)
    response = client.post(
        f"{BASE}/",
        {
            "product_id": product.pk,
            "rating": 4,
            "title": "خیلی خوب",
            "body": "پس از دو هفته استفاده راضی هستم.",
            "pros": ["سبک"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.PENDING
    bad = client.post(
        f"{BASE}/",
        {
            "product_id": product.pk,
            "rating": 4,
            "title": "\u202eخوب",
            "body": "پس از دو هفته راضی.",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and "title" in bad.json()["fields"]

    other = make_review(product)
    vote = client.post(
        f"{BASE}/{other.pk}/vote", {"helpful": True}, content_type="application/json"
    )
    assert vote.status_code == 200 and vote.json()["helpful_count"] == 1
    assert ReviewVote.objects.filter(review=other).count() == 1
    report = client.post(
        f"{BASE}/{other.pk}/report", {"reason": "spam"}, content_type="application/json"
    )
    assert report.status_code == 204
    other.refresh_from_db()
    assert other.status == Status.PENDING
    ask = client.post(
        f"{BASE}/questions",
        {"product_id": product.pk, "body": "آیا رنگ مشکی هم دارد؟"},
        content_type="application/json",
    )
    assert ask.status_code == 201 and Question.objects.filter(author=author).count() == 1


# --- QA report 2, item 9: text errors are keyed by the field the app sent -----------------

INVISIBLE = {
    "\u202e": "U+202E",  # right-to-left override
    "\u200b": "U+200B",  # zero-width space
}


@pytest.fixture
def poster(product):
    client = Client()
    client.force_login(make_customer())
    return client


@pytest.mark.parametrize("ch", INVISIBLE)
def test_a_question_body_error_is_keyed_body(poster, product, ch):
    response = poster.post(
        f"{BASE}/questions",
        {"product_id": product.pk, "body": f"آیا رنگ{ch} مشکی هم دارد؟"},
        content_type="application/json",
    )

    assert response.status_code == 422
    fields = response.json()["fields"]
    assert list(fields) == ["body"] and INVISIBLE[ch] in fields["body"][0]
    assert not Question.objects.exists()


@pytest.mark.parametrize("ch", INVISIBLE)
def test_a_review_body_error_is_keyed_body_beside_the_other_fields(poster, product, ch):
    response = poster.post(
        BASE,
        {
            "product_id": product.pk,
            "rating": 4,
            "title": f"خیلی{ch} خوب",
            "body": f"پس از دو هفته{ch} استفاده راضی هستم.",
            "pros": ["سبک", f"باتری{ch}"],
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"title", "body", "pros"}
    assert "__all__" not in fields and INVISIBLE[ch] in fields["body"][0]
    assert not Review.objects.exists()


def test_a_too_long_question_body_is_keyed_body(poster, product):
    response = poster.post(
        f"{BASE}/questions",
        {"product_id": product.pk, "body": "الف" * 600},
        content_type="application/json",
    )
    assert response.status_code == 422 and list(response.json()["fields"]) == ["body"]
