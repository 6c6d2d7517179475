"""Questions and answers on products. The seller (staff with `reviews.answer_as_seller`)
answers at once; a verified buyer's answer waits for moderation like any post. When an
answer is published, the asker is told through their confirmed contacts (notifications)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.catalog import cache as catalog_cache
from metavast.notifications.services import notify
from metavast.reviews import rules
from metavast.reviews.errors import (
    AnswerNotAllowed,
    NotApproved,
    QuestionNotFound,
    RejectReasonRequired,
    TransitionNotAllowed,
)
from metavast.reviews.models import TRANSITIONS, Answer, Question, RejectReason, Status
from metavast.reviews.services.reviews import is_verified_buyer, require_poster

PERM_SELLER = "reviews.answer_as_seller"


def _bump(product) -> None:
    slug = product.slug
    transaction.on_commit(lambda: catalog_cache.bump_product_slugs([slug]))


@transaction.atomic
def question_ask(*, product, author, body: str, ip: str = "", user_agent: str = "", now=None):
    require_poster(author)
    rules.posting_allowed(kind="question", user_id=author.pk)
    body = rules.clean_text(body, rules.QUESTION, "body")
    now = now or timezone.now()
    question = Question.objects.create(
        product=product,
        author=author,
        body=body,
        created_at=now,
        queued_at=now,
        posted_ip=ip or "",
        posted_user_agent=(user_agent or "")[:500],
    )
    audit_record(action="reviews.question_asked", actor=author, subject=question)
    return question


def _check_transition(current: str, to: str, reject_reason: str) -> str:
    if to not in TRANSITIONS[current]:
        raise TransitionNotAllowed()
    if to == Status.REJECTED:
        if reject_reason not in RejectReason.values:
            raise RejectReasonRequired()
        return reject_reason
    return ""


@transaction.atomic
def question_moderate(*, question: Question, actor, to: str, reject_reason: str = ""):
    question = Question.objects.lock().filter(pk=question.pk).select_related("product").first()
    if question is None:
        raise QuestionNotFound()
    to = Status(to)
    if to == question.status:
        return question
    reject_reason = _check_transition(question.status, to, reject_reason)
    before = question.status
    question.status, question.reject_reason = to, reject_reason
    question.queued_at = timezone.now() if to == Status.PENDING else None
    question.save(update_fields=["status", "reject_reason", "queued_at"])
    audit_record(
        action="reviews.question_moderated",
        actor=actor,
        subject=question,
        before={"status": before},
        after={"status": to, "reject_reason": reject_reason},
    )
    _bump(question.product)
    return question


def _tell_asker(answer: Answer) -> None:
    question = answer.question
    if question.author is None:
        return
    asker, title = question.author, question.product.title
    (notify(user=asker, template="reviews/answered", context={"product_title": title}))


@transaction.atomic
def answer_post(
    *, question: Question, author, body: str, ip: str = "", user_agent: str = "", now=None
) -> Answer:
    if not getattr(author, "is_staff", False):
        require_poster(author)
    rules.posting_allowed(kind="answer", user_id=author.pk)
    question = Question.objects.lock().filter(pk=question.pk).select_related("product").first()
    if question is None:
        raise QuestionNotFound()
    if question.status != Status.APPROVED:
        raise NotApproved()
    body = rules.clean_text(body, rules.ANSWER, "body")
    by_seller = bool(author.is_staff and author.has_perm(PERM_SELLER))
    verified = is_verified_buyer(user_id=author.pk, product_id=question.product_id)
    if not by_seller and not verified:
        raise AnswerNotAllowed()
    answer = Answer.objects.create(
        question=question,
        author=author,
        body=body,
        by_seller=by_seller,
        is_verified_buyer=verified,
        status=Status.APPROVED if by_seller else Status.PENDING,
        created_at=now or timezone.now(),
        posted_ip="" if by_seller else (ip or ""),
        posted_user_agent="" if by_seller else (user_agent or "")[:500],
    )
    audit_record(
        action="reviews.answer_posted",
        actor=author,
        subject=answer,
        after={"question_id": question.pk, "by_seller": by_seller},
    )
    if by_seller:
        _tell_asker(answer)
        _bump(question.product)
    return answer


@transaction.atomic
def answer_moderate(*, answer: Answer, actor, to: str, reject_reason: str = "") -> Answer:
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("question__product", "question__author")
        .get(pk=answer.pk)
    )
    to = Status(to)
    if to == answer.status:
        return answer
    reject_reason = _check_transition(answer.status, to, reject_reason)
    before = answer.status
    answer.status, answer.reject_reason = to, reject_reason
    answer.save(update_fields=["status", "reject_reason"])
    audit_record(
        action="reviews.answer_moderated",
        actor=actor,
        subject=answer,
        before={"status": before},
        after={"status": to, "reject_reason": reject_reason},
    )
    if to == Status.APPROVED:
        _tell_asker(answer)
    _bump(answer.question.product)
    return answer
