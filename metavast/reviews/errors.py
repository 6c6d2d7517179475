"""Error codes of reviews and questions. Services raise these; views and the API say them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class ReviewNotFound(NotFound):
    code = "review_not_found"
    message = _("دیدگاه پیدا نشد.")


class QuestionNotFound(NotFound):
    code = "question_not_found"
    message = _("پرسش پیدا نشد.")


class MobileNotConfirmed(DomainError):
    code = "mobile_not_confirmed"
    status = 403
    message = _("برای نوشتن دیدگاه یا پرسش، اول شمارهٔ همراه حساب خود را تأیید کنید.")


class PostingTooFast(DomainError):
    code = "posting_too_fast"
    status = 429
    message = _("در این مدت بیش از اندازه نوشته‌اید؛ کمی بعد دوباره تلاش کنید.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    message = _("شما برای این کالا دیدگاه نوشته‌اید؛ می‌توانید همان را ویرایش کنید.")


class InvalidText(DomainError):
    code = "invalid_input"
    status = 422
    message = _("ورودی نامعتبر است.")


class TransitionNotAllowed(Conflict):
    code = "review_transition_not_allowed"
    message = _("این تغییر وضعیت ممکن نیست.")


class RejectReasonRequired(DomainError):
    code = "reject_reason_required"
    status = 422
    message = _("برای رد کردن، یکی از قوانین ثبت دیدگاه را به‌عنوان دلیل انتخاب کنید.")


class EditReasonRequired(DomainError):
    code = "edit_reason_required"
    status = 422
    message = _("ویرایش مدیر بدون نوشتن دلیل ممکن نیست.")


class EditReasonLength(DomainError):
    """A reason was written but is too short or too long; `fields["reason"]` says which, with
    the limit and the length in Persian digits."""

    code = "edit_reason_length"
    status = 422
    message = _("طول دلیل ویرایش مناسب نیست.")


class NotYourReview(DomainError):
    code = "not_your_review"
    status = 403
    message = _("فقط نویسندهٔ دیدگاه می‌تواند آن را ویرایش کند.")


class CannotVoteOwn(DomainError):
    code = "cannot_vote_own"
    status = 403
    message = _("به دیدگاه خودتان نمی‌توانید رأی بدهید.")


class NotApproved(Conflict):
    code = "not_approved"
    message = _("این مورد هنوز منتشر نشده است.")


class AnswerNotAllowed(DomainError):
    code = "answer_not_allowed"
    status = 403
    message = _("فقط خریداران این کالا و فروشنده می‌توانند به پرسش‌ها پاسخ دهند.")


class AlreadyHeld(Conflict):
    code = "already_held"
    message = _("این مورد همین حالا در نگهداشت قانونی است.")


class EvidenceDenied(DomainError):
    code = "evidence_denied"
    status = 403
    message = _("فقط مسئول حقوقی مدرک نگهداشت‌شده را می‌بیند.")


class TooManyPhotos(DomainError):
    code = "too_many_photos"
    status = 422
    message = _("هر دیدگاه حداکثر پنج عکس می‌تواند داشته باشد.")
