"""The customer's orders: list, detail with a Jalali timeline, cancel, and answering an
information request. Orders are found by number among the customer's own only; anyone
else's number is a 404, whatever it is."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.orders.errors import OrderNotCancellable
from metavast.orders.forms import InfoAnswerForm
from metavast.orders.models import (
    REFUND_WORKING_DAYS,
    CancellationRequest,
    CancellationRequestStatus,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderLine,
    OrderStatusChange,
)
from metavast.orders.services import info_request_answer, order_customer_cancel
from metavast.orders.timeline import order_timeline


def _order_for(request, number: str) -> Order:
    return get_object_or_404(Order.objects.for_user(request.user), number=number)


@login_required
@require_GET
@no_store
def list_view(request):
    orders = (
        Order.objects.for_user(request.user)
        .newest_first()
        .annotate(line_count=Count("lines"))
        .only("number", "status", "total", "placed_at", "payment_method", "expires_at")
    )
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page})


def _detail_context(request, order: Order, form=None) -> dict:
    open_request = next(
        (r for r in order.info_requests.all() if r.status == InfoRequestStatus.OPEN), None
    )
    if open_request is not None and form is None:
        form = InfoAnswerForm(request_fields=open_request.fields, order=order)
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "timeline": order_timeline(order),
        "cancellation_requests": list(order.cancellation_requests.all()),
        "pending_cancellation": next(
            (r for r in order.cancellation_requests.all() if r.is_pending), None
        ),
        "open_request": open_request,
        "answered_requests": [
            r for r in order.info_requests.all() if r.status != InfoRequestStatus.OPEN
        ],
        "form": form,
        "start_url": order.payment_start_url() if order.is_payable else None,
    }


def _detail_queryset(user):
    return Order.objects.for_user(user).prefetch_related(
        # The product's thumbnail, read with the lines: one query, no catalog model loaded.
        Prefetch(
            "lines",
            queryset=OrderLine.objects.annotate(thumb=F("product__cover_thumb")).order_by("pk"),
        ),
        Prefetch("history", queryset=OrderStatusChange.objects.order_by("created_at", "pk")),
        Prefetch("info_requests", queryset=InfoRequest.objects.order_by("-created_at", "-pk")),
        Prefetch(
            "cancellation_requests",
            queryset=CancellationRequest.objects.order_by("-created_at", "-pk"),
        ),
        "invoices",
    )


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def detail_view(request, number: str):
    order = get_object_or_404(_detail_queryset(request.user), number=number)
    form = None
    if request.method == "POST":
        open_request = next(
            (r for r in order.info_requests.all() if r.status == InfoRequestStatus.OPEN), None
        )
        if open_request is None:
            messages.error(request, "درخواست اطلاعاتِ بازی برای این سفارش نیست.")
            return redirect(order.get_absolute_url())
        form = InfoAnswerForm(request.POST, request_fields=open_request.fields, order=order)
        if form.is_valid():
            try:
                info_request_answer(order=order, user=request.user, answer=form.to_answer())
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(order.get_absolute_url())
            else:
                messages.success(request, "پاسخ شما ثبت شد و سفارش دوباره در جریان است.")
                return redirect(order.get_absolute_url())
    return render(request, "orders/detail.html", _detail_context(request, order, form))


def _paid_card(order: Order) -> str:
    """The masked card the order was paid with, as the bank returned it ("" if unknown).
    Read through the reverse relation: orders does not import payments (the higher app)."""
    if order.paid_payment_id is None:
        return ""
    payment = order.payments.filter(pk=order.paid_payment_id).only("card_pan").first()
    return payment.card_pan if payment is not None else ""


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def cancel_view(request, number: str):
    """GET: the confirmation page (what happens next, the refund for a paid order). POST
    from it: cancel an unpaid order, or send a paid order's request to staff."""
    order = _order_for(request, number)
    pending = order.cancellation_requests.filter(status=CancellationRequestStatus.PENDING).first()
    if request.method == "POST":
        try:
            outcome = order_customer_cancel(order=order, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if outcome.request is not None:
                messages.success(
                    request,
                    "درخواست لغو ثبت شد. پس از بررسی کارشناسان نتیجه را به شما خبر می‌دهیم.",
                )
            else:
                messages.success(request, "سفارش لغو شد.")
        return redirect(order.get_absolute_url())
    if not order.is_customer_cancellable or pending is not None:
        if pending is not None:
            messages.info(request, "درخواست لغو این سفارش ثبت شده و در حال بررسی است.")
        else:
            messages.error(request, str(OrderNotCancellable.message))
        return redirect(order.get_absolute_url())
    return render(
        request,
        "orders/cancel_confirm.html",
        {
            "order": order,
            "is_paid": order.paid_at is not None,
            "card_pan": _paid_card(order) if order.paid_at is not None else "",
            "refund_days": REFUND_WORKING_DAYS,
        },
    )
