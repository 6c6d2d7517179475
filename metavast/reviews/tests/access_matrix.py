"""The reviews app's rows of the access-control matrix (format: staff/tests/access_matrix_format.py),
and the rows of the legal-hold admin (metavast/legal/admin_holds.py), built with it (issue 12).

Moderators see and moderate reviews, questions and answers; the legal officer sees reviews
(to place a hold) and is the only one who opens held evidence and the hold register.
Nobody adds or deletes reviews in the admin: they come from customers, and are kept.
"""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import CUSTOMER, PUBLIC, Action, AdminModel, Route

MODERATOR = {"moderator"}
OFFICER = {"legal_officer"}
REJECT_ACTIONS = (
    "reject_off_topic",
    "reject_offensive",
    "reject_personal_data",
    "reject_advertising",
    "reject_spam",
    "reject_illegal",
)


def _review(w):
    from metavast.reviews.tests.factories import make_review

    return w.once("review", lambda: make_review(w.product, moderator=w.superuser))


def _question(w):
    def make():
        from metavast.reviews.services import question_ask, question_moderate

        question = question_ask(
            product=w.product, author=w.customer, body="آیا این کالا گارانتی دارد؟"
        )
        return question_moderate(question=question, actor=w.superuser, to="approved")

    return w.once("question", make)


def _answer(w):
    def make():
        from metavast.reviews.models import Answer

        return Answer.objects.create(question=_question(w), body="بله، هجده ماه.", by_seller=True)

    return w.once("answer", make)


def _evidence(w):
    def make():
        from metavast.reviews.services import review_hold_place
        from metavast.reviews.tests.factories import make_review

        review = make_review(w.product, moderator=w.superuser, title="دیدگاهی برای نگهداشت")
        return review_hold_place(
            review=review, actor=w.staff["legal_officer"], reason="نامهٔ مرجع قضایی شمارهٔ ۱"
        )

    return w.once("evidence", make)


def _hold(w):
    return _evidence(w).hold


ROWS = [
    AdminModel("reviews.review", view=MODERATOR | OFFICER, obj=_review),
    AdminModel("reviews.question", view=MODERATOR, obj=_question),
    AdminModel("reviews.answer", view=MODERATOR, obj=_answer),
    AdminModel(
        "reviews.heldevidence",
        view=OFFICER,
        obj=_evidence,
        note="opening one decrypts it and is audited (reviews.evidence_viewed)",
    ),
    Route(
        "admin:reviews_review_moderate",
        allowed=MODERATOR,
        args=lambda w: (_review(w).pk,),
        ok=(302,),
        note="POST only; a GET goes back to the review",
    ),
    Route("admin:reviews_review_edit", allowed=MODERATOR, args=lambda w: (_review(w).pk,)),
    Route("admin:reviews_review_hold", allowed=OFFICER, args=lambda w: (_review(w).pk,)),
    Route("admin:reviews_question_answer", allowed=MODERATOR, args=lambda w: (_question(w).pk,)),
    *(
        Action(model, action, allowed=MODERATOR)
        for model in ("reviews.review", "reviews.question", "reviews.answer")
        for action in ("approve_selected", "back_to_queue", *REJECT_ACTIONS)
    ),
    *(
        Action(model, "delete_selected", allowed=set(), note="kept: never deleted by hand")
        for model in (
            "reviews.review",
            "reviews.question",
            "reviews.answer",
            "reviews.heldevidence",
            "legal.legalhold",
        )
    ),
    # The legal-hold register (metavast/legal/admin_holds.py).
    AdminModel("legal.legalhold", view=OFFICER, add=OFFICER, obj=_hold),
    Route("admin:legal_legalhold_release", allowed=OFFICER, args=lambda w: (_hold(w).pk,)),
    # Storefront.
    Route("reviews:rules", audience=PUBLIC),
    Route("reviews:product", audience=PUBLIC, args=lambda w: (w.product.slug,)),
    Route("reviews:mine", audience=CUSTOMER),
    Route("reviews:write", audience=CUSTOMER, args=lambda w: (w.product.slug,)),
    Route("reviews:ask", audience=CUSTOMER, args=lambda w: (w.product.slug,)),
    Route("reviews:edit", audience=CUSTOMER, args=lambda w: (_review(w).pk,)),
    Route("reviews:vote", audience=CUSTOMER, args=lambda w: (_review(w).pk,)),
    Route("reviews:report", audience=CUSTOMER, args=lambda w: (_review(w).pk,)),
    Route("reviews:answer", audience=CUSTOMER, args=lambda w: (_question(w).pk,)),
    # API.
    Route("api:reviews_list", audience=PUBLIC, args=lambda w: (w.product.pk,)),
    Route("api:reviews_questions", audience=PUBLIC, args=lambda w: (w.product.pk,)),
    Route("api:reviews_post", audience=CUSTOMER),
    Route("api:reviews_post_slash", audience=CUSTOMER),  # the same, at its first path
    Route("api:reviews_ask", audience=CUSTOMER),
    Route("api:reviews_vote", audience=CUSTOMER, args=lambda w: (_review(w).pk,)),
    Route("api:reviews_report", audience=CUSTOMER, args=lambda w: (_review(w).pk,)),
]
