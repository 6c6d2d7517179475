"""Storefront pages of reviews and questions. Thin: parse, call one service, say the result.

The product page itself (catalog) shows the block through a template tag and is cached for
anonymous visitors, so it carries no forms; voting, reporting and asking live on the
product's reviews page, which is never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metavast.catalog.models import Product
from metavast.core.clientip import request_ip
from metavast.core.errors import DomainError
from metavast.core.text import to_persian_digits
from metavast.reviews import rules, services, summary
from metavast.reviews.forms import AnswerForm, QuestionForm, ReportForm, ReviewForm
from metavast.reviews.models import Question, RejectReason, ReportReason, Review

PAGE_SIZE = 20


def _product(slug: str) -> Product:
    product = Product.objects.visible().filter(slug=slug).first()
    if product is None:
        raise Http404
    return product


def _ua(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def _fail(request, exc: DomainError, form=None) -> None:
    """Say a service's refusal: each field's errors where that field is, and the general
    message («ورودی نامعتبر است.») only when no field error says what is wrong."""
    field_errors = [(name, error) for name, errors in exc.fields.items() for error in errors]
    if form is not None:
        for name, error in field_errors:
            form.add_error(name if name in form.fields else None, error)
        if not field_errors:
            form.add_error(None, str(exc.message))
        return
    for _name, error in field_errors or [(None, str(exc.message))]:
        messages.error(request, error)


@require_GET
def rules_view(request):
    context = {
        "reasons": RejectReason.choices,
        "title_min": to_persian_digits(rules.TITLE.minimum),
        "title_max": to_persian_digits(rules.TITLE.maximum),
        "body_min": to_persian_digits(rules.BODY.minimum),
        "body_max": to_persian_digits(rules.BODY.maximum),
        "photos_max": to_persian_digits(rules.MAX_PHOTOS),
    }
    return render(request, "reviews/rules.html", context)


@require_GET
def product_view(request, slug: str):
    return _product_page(request, _product(slug))


def _product_page(request, product, question_form=None, status: int = 200):
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in summary.SORTS else "newest"
    verified = request.GET.get("verified") == "1"
    page = Paginator(
        summary.review_list(product.pk, sort=sort, verified_only=verified), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "product": product,
        "summary": summary.rating_summary(product.pk),
        "page": page,
        "sort": sort,
        "sorts": summary.SORTS,
        "verified": verified,
        "questions": summary.question_list(product.pk)[:50],
        "question_form": question_form or QuestionForm(),
        "forms": request.user.is_authenticated,
        "report_reasons": ReportReason.choices,
    }
    return render(request, "reviews/product.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def write_view(request, slug: str):
    product = _product(slug)
    existing = Review.objects.filter(product=product, author=request.user).first()
    if existing is not None:
        return redirect("reviews:edit", pk=existing.pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = services.ReviewInput(
            rating=form.cleaned_data["rating"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            pros=form.points("pros"),
            cons=form.points("cons"),
        )
        try:
            services.review_post(
                product=product,
                author=request.user,
                data=data,
                photos=request.FILES.getlist("photos"),
                ip=request_ip(request) or "",
                user_agent=_ua(request),
            )
        except DomainError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, "دیدگاه شما ثبت شد و پس از بررسی منتشر می‌شود.")
            return redirect("reviews:mine")
    context = {
        "form": form,
        "product": product,
        "heading": "نوشتن دیدگاه",
        # Everything typed comes back in the form; chosen files cannot, so say so.
        "photos_dropped": bool(request.FILES.getlist("photos")),
    }
    return render(request, "reviews/write.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request, pk: int):
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk, author=request.user)
    initial = {
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "pros": "\n".join(review.pros),
        "cons": "\n".join(review.cons),
    }
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = services.ReviewInput(
            rating=form.cleaned_data["rating"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            pros=form.points("pros"),
            cons=form.points("cons"),
        )
        try:
            services.review_edit_own(review=review, author=request.user, data=data)
        except DomainError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, "ویرایش ثبت شد و دیدگاه دوباره بررسی می‌شود.")
            return redirect("reviews:mine")
    context = {"form": form, "product": review.product, "heading": "ویرایش دیدگاه", "editing": True}
    return render(request, "reviews/write.html", context)


@login_required
@require_GET
def mine_view(request):
    reviews = (
        Review.objects.filter(author=request.user)
        .select_related("product")
        .prefetch_related("versions")
    )
    return render(request, "reviews/mine.html", {"reviews": reviews})


def _back_to_product(review_or_question):
    return redirect("reviews:product", slug=review_or_question.product.slug)


@login_required
@require_POST
def vote_view(request, pk: int):
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk)
    try:
        services.review_vote(
            review=review, user=request.user, is_helpful=request.POST.get("helpful") == "1"
        )
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "رأی شما ثبت شد.")
    return _back_to_product(review)


@login_required
@require_POST
def report_view(request, pk: int):
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "دلیل گزارش را انتخاب کنید.")
        return _back_to_product(review)
    try:
        services.review_report(review=review, user=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, "گزارش شما ثبت شد؛ این دیدگاه دوباره بررسی می‌شود.")
    return _back_to_product(review)


@login_required
@require_POST
def ask_view(request, slug: str):
    product = _product(slug)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_ask(
                product=product,
                author=request.user,
                body=form.cleaned_data["body"],
                ip=request_ip(request) or "",
                user_agent=_ua(request),
            )
        except DomainError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, "پرسش شما ثبت شد و پس از بررسی منتشر می‌شود.")
            return redirect("reviews:product", slug=product.slug)
    # The page again with the question as typed and what is wrong beside it (a redirect
    # lost the text).
    return _product_page(request, product, question_form=form, status=422)


@login_required
@require_POST
def answer_view(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("product"), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_post(
                question=question,
                author=request.user,
                body=form.cleaned_data["body"],
                ip=request_ip(request) or "",
                user_agent=_ua(request),
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "پاسخ شما ثبت شد و پس از بررسی منتشر می‌شود.")
    return _back_to_product(question)
