import re

import pytest
from django.test import Client

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.legal.holds import hold_place
from metavast.legal.models import LegalHold
from metavast.notifications.models import OutboxMessage
from metavast.orders.tests.factories import make_customer
from metavast.reviews.models import Answer, HeldEvidence, Question, Review, Status
from metavast.reviews.services import question_ask, question_moderate
from metavast.reviews.tests.factories import make_product, make_review, make_staff

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return verify_staff_client(client, user)


@pytest.fixture
def product(shop):
    return make_product()


def test_queue_counters_bulk_approve_and_reject_with_a_rule(product):
    moderator = make_staff("moderator")
    staff = _client(moderator)
    pending = [make_review(product, approved=False, title=f"دیدگاه {n}") for n in range(3)]
    page = staff.get("/admin/reviews/review/?status__exact=pending").content.decode()
    assert "در صف بررسی: <strong>۳</strong>" in page and "قدیمی‌ترین" in page
    assert "203.0.113" not in page  # moderators never see the IP
    response = staff.post(
        "/admin/reviews/review/",
        {"action": "approve_selected", "_selected_action": [pending[0].pk, pending[1].pk]},
    )
    assert response.status_code == 302
    response = staff.post(
        "/admin/reviews/review/",
        {"action": "reject_advertising", "_selected_action": [pending[2].pk]},
    )
    statuses = dict(Review.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in pending] == ["approved", "approved", "rejected"]
    assert Review.objects.get(pk=pending[2].pk).reject_reason == "advertising"
    assert OutboxMessage.objects.filter(template="reviews/approved").count() == 4


def test_keyboard_review_moderates_and_moves_to_the_next(product):
    moderator = make_staff("moderator")
    staff = _client(moderator)
    first = make_review(product, approved=False)
    second = make_review(product, approved=False)
    page = staff.get(f"/admin/reviews/review/{first.pk}/change/").content.decode()
    assert 'accesskey="a"' in page and 'accesskey="r"' in page and 'accesskey="n"' in page
    assert "همهٔ نسخه‌ها" in page
    response = staff.post(f"/admin/reviews/review/{first.pk}/moderate/", {"to": "approved"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/reviews/review/{second.pk}/change/")
    refused = staff.post(f"/admin/reviews/review/{second.pk}/moderate/", {"to": "rejected"})
    assert refused.status_code == 302
    assert Review.objects.get(pk=second.pk).status == Status.PENDING


def test_staff_edit_screen_needs_a_reason(product):
    moderator = make_staff("moderator")
    staff = _client(moderator)
    review = make_review(product)
    url = f"/admin/reviews/review/{review.pk}/edit/"
    missing = staff.post(
        url, {"title": review.title, "body": "متن تازه‌ای که کوتاه نیست.", "reason": ""}
    )
    assert missing.status_code == 200 and review.versions.count() == 1
    done = staff.post(
        url, {"title": review.title, "body": "متن تازه‌ای که کوتاه نیست.", "reason": "تبلیغ حذف شد"}
    )
    assert done.status_code == 302 and review.versions.count() == 2


def test_legal_officer_places_a_hold_and_reads_evidence_audited(product):
    officer = make_staff("legal_officer")
    staff = _client(officer)
    review = make_review(product)
    response = staff.post(
        f"/admin/reviews/review/{review.pk}/hold/", {"reason": "دستور دادسرا برای پیگیری تهدید"}
    )
    evidence = HeldEvidence.objects.get()
    assert response["Location"].endswith(f"/admin/reviews/heldevidence/{evidence.pk}/change/")
    page = staff.get(response["Location"]).content.decode()
    assert "203.0.113.77" in page and "همهٔ نسخه‌ها" in page
    assert AuditEvent.objects.filter(action="reviews.evidence_viewed", actor_id=officer.pk).exists()
    moderator = _client(make_staff("moderator"))
    assert moderator.get(f"/admin/reviews/heldevidence/{evidence.pk}/change/").status_code == 403
    assert moderator.get(f"/admin/reviews/review/{review.pk}/hold/").status_code == 403


def test_hold_register_lists_places_and_releases_with_audit(product):
    officer = make_staff("legal_officer")
    staff = _client(officer)
    customer = make_customer()
    before = AuditEvent.objects.filter(action="legal.holds_listed").count()
    assert staff.get("/admin/legal/legalhold/?state=active").status_code == 200
    assert AuditEvent.objects.filter(action="legal.holds_listed").count() == before + 1
    refused = staff.post(
        "/admin/legal/legalhold/add/",
        {
            "subject_type": "reviews.review",
            "subject_id": "1",
            "reason": "دلیلی به اندازهٔ کافی بلند",
        },
    )
    assert refused.status_code == 200 and not LegalHold.objects.exists()
    staff.post(
        "/admin/legal/legalhold/add/",
        {
            "subject_type": "accounts.user",
            "subject_id": str(customer.pk),
            "user_id": str(customer.pk),
            "reason": "نامهٔ دادسرا شمارهٔ ۵۵ برای حساب",
        },
    )
    hold = LegalHold.objects.get()
    assert hold.user_id == customer.pk and hold.is_active
    page = staff.get(f"/admin/legal/legalhold/{hold.pk}/change/").content.decode()
    assert "برداشتن نگهداشت" in page
    assert AuditEvent.objects.filter(action="legal.hold_viewed", subject_id=str(hold.pk)).exists()
    staff.post(f"/admin/legal/legalhold/{hold.pk}/release/", {"reason": "کوتاه"})
    assert LegalHold.objects.get().is_active
    staff.post(
        f"/admin/legal/legalhold/{hold.pk}/release/", {"reason": "پرونده مختومه شد طبق نامهٔ ۵۶"}
    )
    assert not LegalHold.objects.get().is_active
    moderator = _client(make_staff("moderator"))
    assert moderator.get("/admin/legal/legalhold/").status_code == 403
    assert hold_place  # the service the screens call


def test_seller_answers_and_the_asker_is_told(product):
    asker = make_customer()
    question = question_ask(product=product, author=asker, body="باتری آن چند ساعت کار می‌کند؟")
    moderator = make_staff("moderator")
    question_moderate(question=question, actor=moderator, to="approved")
    staff = _client(moderator)
    response = staff.post(
        f"/admin/reviews/question/{question.pk}/answer/", {"body": "حدود ده ساعت با مصرف عادی."}
    )
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert answer.by_seller and answer.status == Status.APPROVED
    assert OutboxMessage.objects.filter(user=asker, template="reviews/answered").count() == 2
    assert Question.objects.get().answers.count() == 1


def test_change_page_buttons_send_the_page_form_to_the_moderation_url(product):
    # A <form> of its own inside Django's <form id="review_form"> is dropped by the browser,
    # so the buttons must send the page's form (CSRF token and reason select are in it).
    staff = _client(make_staff("moderator"))
    review = make_review(product, approved=False)
    page = staff.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    moderate = f"/admin/reviews/review/{review.pk}/moderate/"
    assert 'id="moderate-form"' not in page and 'form="moderate-form"' not in page
    assert page.count(f'formaction="{moderate}"') == 3
    main = re.search(r'<form [^>]*id="review_form".*?</form>', page, re.S).group(0)
    assert "<form" not in main[5:]  # nothing nested
    for value in ("approved", "rejected", "pending"):
        assert re.search(
            rf'<button type="submit" formaction="{moderate}"[^>]* value="{value}"', main
        )
    assert '<select name="reject_reason"' in main
    assert "باتری خوب" in page and "[&#x27;" not in page  # the points, not a list's repr


def test_moderation_post_from_the_change_page_rejects_with_its_reason_and_requeues(product):
    moderator = make_staff("moderator")
    staff = _client(moderator)
    review = make_review(product, approved=False)
    url = f"/admin/reviews/review/{review.pk}/moderate/"
    # What the browser sends: the whole page form, the pressed button's name and value.
    page_form = {"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1"}
    refused = staff.post(url, {**page_form, "to": "rejected", "reject_reason": ""}, follow=True)
    assert "یکی از قوانین ثبت دیدگاه" in refused.content.decode()
    assert Review.objects.get(pk=review.pk).status == Status.PENDING
    response = staff.post(url, {**page_form, "to": "rejected", "reject_reason": "advertising"})
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/reviews/review/")
    rejected = Review.objects.get(pk=review.pk)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "advertising")
    assert rejected.moderated_by_id == moderator.pk
    staff.post(url, {**page_form, "to": "pending", "reject_reason": "advertising"})
    requeued = Review.objects.get(pk=review.pk)
    assert (requeued.status, requeued.reject_reason) == ("pending", "")


@pytest.mark.parametrize(
    "reason, shown",
    [
        ("ab", "دلیل ویرایش کوتاه است: دست‌کم ۵ نویسه بنویسید (اکنون ۲)."),
        ("می‌خو", "دلیل ویرایش کوتاه است: دست‌کم ۵ نویسه بنویسید (اکنون ۴)."),  # ZWNJ not counted
        ("د" * 301, "دلیل ویرایش بلند است: حداکثر ۳۰۰ نویسه بنویسید (اکنون ۳۰۱)."),
    ],
    ids=["two-letters", "zwnj-not-counted", "over-the-column"],
)
def test_staff_edit_screen_says_a_reason_is_too_short_or_too_long(product, reason, shown):
    staff = _client(make_staff("moderator"))
    review = make_review(product)
    response = staff.post(
        f"/admin/reviews/review/{review.pk}/edit/",
        {"title": review.title, "body": "متن تازه‌ای که کوتاه نیست.", "reason": reason},
    )
    html = response.content.decode()
    assert response.status_code == 200 and review.versions.count() == 1
    assert shown in html
    assert "بدون نوشتن دلیل" not in html
    assert html.count("errorlist") == 1  # under the reason only, not repeated at the top
