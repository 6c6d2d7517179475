"""The customer's orders: list, detail with a Jalali timeline, cancel, and answering an
information request. Orders are found by number among the customer's own only; anyone
else's number is a 404, whatever it is."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metavast.core.errors import DomainError
from metavast.core.http import no_store
from metavast.orders.forms import InfoAnswerForm
from metavast.orders.models import (
    CancelReason,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderLine,
    OrderStatusChange,
)
from metavast.orders.services import info_request_answer, order_cancel


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
        "timeline": list(order.history.all()),
        "open_request": open_request,
        "answered_requests": [
            r for r in order.info_requests.all() if r.status != InfoRequestStatus.OPEN
        ],
        "form": form,
        "start_url": order.payment_start_url() if order.is_payable else None,
    }


def _detail_queryset(user):
    return Order.objects.for_user(user).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("history", queryset=OrderStatusChange.objects.order_by("created_at", "pk")),
        Prefetch("info_requests", queryset=InfoRequest.objects.order_by("-created_at", "-pk")),
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


@login_required
@require_POST
def cancel_view(request, number: str):
    order = _order_for(request, number)
    try:
        order_cancel(order=order, actor=request.user, reason=CancelReason.CUSTOMER)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if order.refund_due:
            messages.success(request, "سفارش لغو شد. مبلغ پرداختی به حساب شما بازگردانده می‌شود.")
        else:
            messages.success(request, "سفارش لغو شد.")
    return redirect(order.get_absolute_url())
