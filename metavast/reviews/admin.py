"""The moderation queue in the back office: Persian, bulk actions, filters, queue age.

Moderators see the text, the rating and the product; never the author's contacts, IP or
user agent (those are for legal follow-up only, through a hold). Every status change and
every edit goes through the services: an edit needs a reason and keeps the previous text
as a version. A review's page has keyboard shortcuts (accesskey A = approve, R = reject,
N = next in the queue). A legal officer places a hold from the same page; held evidence
is read only on its own page, and each look is audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from metavast.core.admin_actions import ActionPagesMixin
from metavast.core.errors import DomainError
from metavast.core.jalali import format_jalali_datetime
from metavast.core.text import to_persian_digits
from metavast.legal import holds as legal_holds
from metavast.legal.models import LegalHold
from metavast.reviews import services
from metavast.reviews.forms import HoldForm, ModerateForm, StaffEditForm
from metavast.reviews.models import (
    HOLD_SUBJECT_REVIEW,
    Answer,
    HeldEvidence,
    Question,
    RejectReason,
    Review,
    ReviewVersion,
    Status,
)

PERM_HOLD = "legal.add_legalhold"


def age_text(since, now=None) -> str:
    """«۳ روز و ۴ ساعت», «۲ ساعت», «۱۵ دقیقه»: how long an item has waited."""
    if since is None:
        return "—"
    minutes = max(0, int(((now or timezone.now()) - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{to_persian_digits(days)} روز و {to_persian_digits(hours)} ساعت"
    if hours:
        return f"{to_persian_digits(hours)} ساعت"
    return f"{to_persian_digits(mins)} دقیقه"


def queue_counters(model, now=None) -> dict:
    now = now or timezone.now()
    pending = model.objects.filter(status=Status.PENDING)
    stats = pending.aggregate(count=Count("pk"), oldest=Min("queued_at"))
    day_ago = now - timezone.timedelta(hours=24)
    return {
        "pending": to_persian_digits(stats["count"]),
        "oldest_age": age_text(stats["oldest"], now) if stats["oldest"] else "—",
        "over_day": to_persian_digits(pending.filter(queued_at__lt=day_ago).count()),
    }


def _form_errors(form, exc: DomainError) -> None:
    """A service's refusal on the form it came from: each field's errors under that field, and
    the general message only when no field says what is wrong (it would only repeat them)."""
    shown = False
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
            shown = True
    if not shown:
        form.add_error(None, str(exc.message))


def _reject_action(reason: RejectReason):
    def action(modeladmin, request, queryset):
        modeladmin._bulk(request, queryset, Status.REJECTED, reason.value)

    action.__name__ = f"reject_{reason.value}"
    return admin.action(description=f"رد: {reason.label}", permissions=["change"])(action)


class _Moderated(admin.ModelAdmin):
    """What reviews, questions and answers share: the queue, bulk actions, no deletion."""

    moderate_service = None
    list_per_page = 50
    change_list_template = "admin/reviews/queue_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        for reason in RejectReason:
            fn = _reject_action(reason)
            if self.has_change_permission(request):
                actions[fn.__name__] = (fn, fn.__name__, fn.short_description)
        return actions

    def _bulk(self, request, queryset, to: str, reject_reason: str = ""):
        changed = 0
        for obj in queryset:
            try:
                before = obj.status
                after = self.moderate(obj, request.user, to, reject_reason).status
                changed += before != after
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.WARNING)
        self.message_user(request, f"{to_persian_digits(changed)} مورد به‌روز شد.", messages.SUCCESS)

    @admin.action(description="تأیید و انتشار موارد انتخاب‌شده", permissions=["change"])
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, Status.APPROVED)

    @admin.action(description="بازگرداندن به صف بررسی", permissions=["change"])
    def back_to_queue(self, request, queryset):
        self._bulk(request, queryset, Status.PENDING)

    @admin.display(description="در صف از", ordering="queued_at")
    def queue_age(self, obj):
        return age_text(obj.queued_at) if obj.status == Status.PENDING else "—"

    def changelist_view(self, request, extra_context=None):
        extra = {**(extra_context or {}), "queue": queue_counters(self.model)}
        return super().changelist_view(request, extra_context=extra)


class ReviewVersionInline(admin.TabularInline):
    model = ReviewVersion
    extra = 0
    can_delete = False
    fields = ("number", "rating", "title", "body", "by_staff", "edited_by_label", "reason")
    readonly_fields = fields
    verbose_name_plural = "همهٔ نسخه‌ها (نخستین نسخه، متن اصلی نویسنده است)"

    @admin.display(description="نوشته/ویرایش توسط")
    def edited_by_label(self, obj):
        if obj.by_staff:
            return f"مدیر {to_persian_digits(obj.edited_by_id or 0)}"
        return "نویسنده"

    def has_view_permission(self, request, obj=None):
        # Whoever may see the review sees all its versions: that is the point of keeping them.
        return request.user.has_perm("reviews.view_review")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ActionPagesMixin, _Moderated):
    action_template = "admin/reviews/review/action_form.html"
    list_display = (
        "number",
        "product_title",
        "stars",
        "title",
        "status",
        "is_verified_buyer",
        "edited_by_staff",
        "reports",
        "queue_age",
    )
    list_display_links = ("number", "title")
    list_filter = ("status", "rating", "is_verified_buyer", "edited_by_staff", "reject_reason")
    search_fields = ("title", "product__title")
    ordering = ("queued_at", "-created_at")
    actions = ("approve_selected", "back_to_queue")
    inlines = (ReviewVersionInline,)
    change_form_template = "admin/reviews/review/change_form.html"
    fields = (
        "product_title",
        "author_label",
        "rating",
        "title",
        "body",
        "pros_list",
        "cons_list",
        "status",
        "reject_reason",
        "is_verified_buyer",
        "edited_by_staff",
        "helpful_count",
        "unhelpful_count",
        "created_at",
        "queue_age",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .annotate(report_count=Count("reports"))
        )

    def moderate(self, obj, actor, to, reject_reason=""):
        return services.review_moderate(review=obj, actor=actor, to=to, reject_reason=reject_reason)

    @admin.display(description="شماره", ordering="pk")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="کالا", ordering="product__title")
    def product_title(self, obj):
        return obj.product.title

    @admin.display(description="امتیاز", ordering="rating")
    def stars(self, obj):
        return "★" * obj.rating + "☆" * (5 - obj.rating)

    @admin.display(description="گزارش‌ها", ordering="report_count")
    def reports(self, obj):
        return to_persian_digits(getattr(obj, "report_count", 0))

    # The points are a JSON list; shown raw they read «['باتری خوب']».
    @admin.display(description="نقاط قوت")
    def pros_list(self, obj):
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in obj.pros)) or "—"

    @admin.display(description="نقاط ضعف")
    def cons_list(self, obj):
        return format_html_join(mark_safe("<br>"), "{}", ((c,) for c in obj.cons)) or "—"

    @admin.display(description="نویسنده")
    def author_label(self, obj):
        # The account number only: a moderator judges the text, not the person.
        return f"حساب {to_persian_digits(obj.author_id)}" if obj.author_id else "حساب حذف‌شده"

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("reviews.change_review")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            user = request.user
            extra.update(
                can_moderate=user.has_perm("reviews.change_review"),
                can_hold=user.has_perm(PERM_HOLD),
                moderate_form=ModerateForm(),
                held=legal_holds.is_held(subject_type=HOLD_SUBJECT_REVIEW, subject_id=obj.pk),
                next_url=self._next_url(obj.pk),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _next_url(self, after_pk=None):
        pending = Review.objects.pending().order_by("queued_at", "pk")
        if after_pk is not None:
            pending = pending.exclude(pk=after_pk)
        nxt = pending.values_list("pk", flat=True).first()
        return reverse("admin:reviews_review_change", args=[nxt]) if nxt else ""

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<id:pk>/moderate/", view(self.moderate_view), name="reviews_review_moderate"),
            path("<id:pk>/edit/", view(self.edit_view), name="reviews_review_edit"),
            path("<id:pk>/hold/", view(self.hold_view), name="reviews_review_hold"),
            *super().get_urls(),
        ]

    def moderate_view(self, request, pk: int):
        if not request.user.has_perm("reviews.change_review"):
            raise PermissionDenied
        review = get_object_or_404(Review, pk=pk)
        if request.method != "POST":
            return self._back(review)
        to = request.POST.get("to", "")
        form = ModerateForm(request.POST)
        reason = form.cleaned_data["reject_reason"] if form.is_valid() else ""
        try:
            services.review_moderate(review=review, actor=request.user, to=to, reject_reason=reason)
        except (DomainError, ValueError) as exc:
            message = str(getattr(exc, "message", "")) or "وضعیت نامعتبر است."
            self.message_user(request, message, messages.ERROR)
            return self._back(review)
        self.message_user(request, "وضعیت دیدگاه به‌روز شد.", messages.SUCCESS)
        nxt = self._next_url(review.pk)
        return redirect(nxt) if nxt else redirect(reverse("admin:reviews_review_changelist"))

    def edit_view(self, request, pk: int):
        if not request.user.has_perm("reviews.change_review"):
            raise PermissionDenied
        review = get_object_or_404(Review, pk=pk)
        initial = {
            "title": review.title,
            "body": review.body,
            "pros": "\n".join(review.pros),
            "cons": "\n".join(review.cons),
        }
        form = StaffEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.review_edit_staff(
                    review=review,
                    actor=request.user,
                    reason=data["reason"],
                    title=data["title"],
                    body=data["body"],
                    pros=form.points("pros"),
                    cons=form.points("cons"),
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                self.message_user(request, "ویرایش با نسخهٔ تازه ثبت شد.", messages.SUCCESS)
                return self._back(review)
        return self._page(request, review, form, "ویرایش دیدگاه توسط مدیر", "ثبت ویرایش")

    def hold_view(self, request, pk: int):
        if not request.user.has_perm(PERM_HOLD):
            raise PermissionDenied
        review = get_object_or_404(Review, pk=pk)
        form = HoldForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                evidence = services.review_hold_place(
                    review=review, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    "نگهداشت قانونی ثبت شد و مدرک جداگانه و رمزگذاری‌شده نگه داشته شد.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:reviews_heldevidence_change", args=[evidence.pk]))
        return self._page(request, review, form, "نگهداشت قانونی: محتوای مجرمانه", "ثبت نگهداشت")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ("body", "by_seller", "is_verified_buyer", "status", "created_at")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("reviews.view_question")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(_Moderated):
    list_display = ("number", "product_title", "body", "status", "answers", "queue_age")
    list_display_links = ("number", "body")
    list_filter = ("status", "reject_reason")
    search_fields = ("body", "product__title")
    ordering = ("queued_at", "-created_at")
    actions = ("approve_selected", "back_to_queue")
    inlines = (AnswerInline,)
    fields = ("product_title", "body", "status", "reject_reason", "created_at", "queue_age")
    readonly_fields = fields
    change_form_template = "admin/reviews/question/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .annotate(answer_count=Count("answers"))
        )

    def moderate(self, obj, actor, to, reject_reason=""):
        return services.question_moderate(
            question=obj, actor=actor, to=to, reject_reason=reject_reason
        )

    @admin.display(description="شماره", ordering="pk")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="کالا", ordering="product__title")
    def product_title(self, obj):
        return obj.product.title

    @admin.display(description="پاسخ‌ها", ordering="answer_count")
    def answers(self, obj):
        return to_persian_digits(getattr(obj, "answer_count", 0))

    def get_urls(self):
        return [
            path(
                "<id:pk>/answer/",
                self.admin_site.admin_view(self.answer_view),
                name="reviews_question_answer",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            **(extra_context or {}),
            "can_answer": request.user.has_perm(services.questions.PERM_SELLER),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def answer_view(self, request, pk: int):
        from metavast.reviews.forms import AnswerForm

        if not request.user.has_perm(services.questions.PERM_SELLER):
            raise PermissionDenied
        question = get_object_or_404(Question, pk=pk)
        form = AnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.answer_post(
                    question=question, author=request.user, body=form.cleaned_data["body"]
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                self.message_user(request, "پاسخ فروشنده منتشر شد.", messages.SUCCESS)
                return redirect(reverse("admin:reviews_question_change", args=[question.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": question,
            "form": form,
            "title": "پاسخ از طرف فروشنده",
            "button": "انتشار پاسخ",
        }
        return TemplateResponse(request, "admin/reviews/review/action_form.html", context)


@admin.register(Answer)
class AnswerAdmin(_Moderated):
    list_display = ("number", "question_body", "body", "by_seller", "is_verified_buyer", "status")
    list_display_links = ("number", "body")
    list_filter = ("status", "by_seller", "is_verified_buyer")
    search_fields = ("body",)
    ordering = ("-created_at",)
    actions = ("approve_selected", "back_to_queue")
    fields = ("question_body", "body", "by_seller", "is_verified_buyer", "status", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    def moderate(self, obj, actor, to, reject_reason=""):
        return services.answer_moderate(answer=obj, actor=actor, to=to, reject_reason=reject_reason)

    @admin.display(description="شماره", ordering="pk")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="پرسش")
    def question_body(self, obj):
        return obj.question.body

    @admin.display(description="در صف از")
    def queue_age(self, obj):
        return age_text(obj.created_at) if obj.status == Status.PENDING else "—"

    def changelist_view(self, request, extra_context=None):
        now = timezone.now()
        pending = Answer.objects.filter(status=Status.PENDING)
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        queue = {
            "pending": to_persian_digits(pending.count()),
            "oldest_age": age_text(oldest, now) if oldest else "—",
            "over_day": to_persian_digits(
                pending.filter(created_at__lt=now - timezone.timedelta(hours=24)).count()
            ),
        }
        return admin.ModelAdmin.changelist_view(
            self, request, extra_context={**(extra_context or {}), "queue": queue}
        )


@admin.register(HeldEvidence)
class HeldEvidenceAdmin(admin.ModelAdmin):
    """Held evidence: the list names what is held; opening one decrypts it (audited)."""

    list_display = ("number", "subject_type", "subject_id", "hold_state", "created_at")
    list_filter = ("subject_type",)
    actions = None
    fields = ("subject_type", "subject_id", "hold_state", "created_at")
    readonly_fields = fields
    change_form_template = "admin/reviews/heldevidence/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("hold")

    @admin.display(description="شماره", ordering="pk")
    def number(self, obj):
        return to_persian_digits(obj.pk)

    @admin.display(description="وضعیت نگهداشت")
    def hold_state(self, obj):
        hold: LegalHold = obj.hold
        if hold.released_at:
            return f"برداشته شده در {format_jalali_datetime(hold.released_at)}"
        return f"فعال از {format_jalali_datetime(hold.placed_at)}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            try:
                extra["evidence"] = services.evidence_read(evidence=obj, actor=request.user)
            except DomainError:
                raise PermissionDenied from None
        return super().change_view(request, object_id, form_url, extra_context=extra)
