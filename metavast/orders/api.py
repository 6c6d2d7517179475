"""The orders API (/api/v1/orders): the customer's own orders only; any other number is 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, prefetch_related_objects
from ninja import Field, Path, Query, Router, Schema

from metavast.accounts.api_auth import token_or_session
from metavast.core.schemas import ErrorOut
from metavast.orders.errors import OrderNotFound
from metavast.orders.models import (
    CancellationRequest,
    InfoRequest,
    InfoRequestStatus,
    Order,
    OrderLine,
    OrderStatusChange,
)
from metavast.orders.services import order_customer_cancel

router = Router(tags=["orders"], auth=token_or_session)
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 503), ErrorOut)
NUMBER = Path(..., max_length=16, pattern=r"^MV-\d{8}$")
PAGE_SIZE = 20


class OrderLineOut(Schema):
    sku: str
    title: str
    options: str
    unit_price: int
    quantity: int
    line_total: int


class TimelineOut(Schema):
    status: str
    label: str
    note: str
    at: dt.datetime


class InfoRequestOut(Schema):
    fields: list[str]
    message: str
    deadline_at: dt.datetime


class CancellationRequestOut(Schema):
    status: str = Field(..., description="pending، approved یا refused")
    status_label: str
    refund_amount: int = Field(..., description="ریال")
    refusal_text: str
    created_at: dt.datetime


class OrderSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    total: int = Field(..., description="ریال")
    placed_at: dt.datetime


class OrderPageOut(Schema):
    items: list[OrderSummaryOut]
    count: int
    page: int
    pages: int


class OrderOut(OrderSummaryOut):
    payment_method: str
    subtotal: int
    shipping_cost: int
    vat: int
    discount: int = Field(
        0,
        description="ریال، تخفیف پیش از مالیات (total = subtotal + shipping_cost - discount + vat)",
    )
    discount_code: str = ""
    shipping_method: str
    tracking_code: str
    expires_at: dt.datetime | None
    paid_at: dt.datetime | None
    province: str
    city: str
    receiver_is_self: bool
    refund_due: bool
    lines: list[OrderLineOut]
    timeline: list[TimelineOut]
    info_request: InfoRequestOut | None
    payment_start_url: str | None = Field(
        None, description="برای پرداخت: فرم POST به این نشانی (تا پایان مهلت)"
    )
    cancellation_request: CancellationRequestOut | None = Field(
        None, description="آخرین درخواست لغو سفارش پرداخت‌شده، اگر باشد"
    )


def summary_out(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "status_label": order.get_status_display(),
        "total": order.total,
        "placed_at": order.placed_at,
    }


def order_out(order: Order) -> dict:
    open_request = next(
        (r for r in order.info_requests.all() if r.status == InfoRequestStatus.OPEN), None
    )
    return {
        **summary_out(order),
        "payment_method": order.payment_method,
        "subtotal": order.subtotal,
        "shipping_cost": order.shipping_cost,
        "vat": order.vat,
        "discount": order.discount,
        "discount_code": order.discount_code,
        "shipping_method": order.shipping_method_name,
        "tracking_code": order.tracking_code,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "province": order.province,
        "city": order.city,
        "receiver_is_self": order.receiver_is_self,
        "refund_due": order.refund_due,
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "options": line.options_label,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
            }
            for line in order.lines.all()
        ],
        "timeline": [
            {
                "status": step.to_status,
                "label": step.get_to_status_display(),
                "note": step.note,
                "at": step.created_at,
            }
            for step in order.history.all()
        ],
        "info_request": {
            "fields": open_request.fields,
            "message": open_request.message,
            "deadline_at": open_request.deadline_at,
        }
        if open_request
        else None,
        "payment_start_url": order.payment_start_url() if order.is_payable else None,
        "cancellation_request": _cancellation_out(order),
    }


def _cancellation_out(order: Order) -> dict | None:
    latest = next(iter(order.cancellation_requests.all()), None)
    if latest is None:
        return None
    return {
        "status": latest.status,
        "status_label": latest.get_status_display(),
        "refund_amount": latest.refund_amount,
        "refusal_text": latest.refusal_text,
        "created_at": latest.created_at,
    }


def _detail_prefetches() -> tuple[Prefetch, ...]:
    return (
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("history", queryset=OrderStatusChange.objects.order_by("created_at", "pk")),
        Prefetch("info_requests", queryset=InfoRequest.objects.order_by("-created_at")),
        Prefetch(
            "cancellation_requests",
            queryset=CancellationRequest.objects.order_by("-created_at", "-pk"),
        ),
    )


def load_order(user, number: str) -> Order:
    order = (
        Order.objects.for_user(user)
        .prefetch_related(*_detail_prefetches())
        .filter(number=number)
        .first()
    )
    if order is None:
        raise OrderNotFound()
    return order


def with_details(order: Order) -> Order:
    """An order a service has just returned, with what `order_out` shows (no second read of
    the order's own row)."""
    prefetch_related_objects([order], *_detail_prefetches())
    return order


@router.get(
    "", response={200: OrderPageOut, **ERRORS}, summary="سفارش‌های من", operation_id="orders_list"
)
def orders_list(request, page: int = Query(1, ge=1, le=100_000)):
    orders = Order.objects.for_user(request.auth).newest_first()
    count = orders.count()
    start = (page - 1) * PAGE_SIZE
    return {
        "items": [summary_out(o) for o in orders[start : start + PAGE_SIZE]],
        "count": count,
        "page": page,
        "pages": max(1, -(-count // PAGE_SIZE)),
    }


@router.get(
    "/{number}",
    response={200: OrderOut, **ERRORS},
    summary="جزئیات سفارش",
    operation_id="orders_get",
)
def order_detail(request, number: str = NUMBER):
    return order_out(load_order(request.auth, number))


@router.post(
    "/{number}/cancel",
    response={200: OrderOut, **ERRORS},
    summary="لغو سفارش پیش از آماده‌سازی",
    operation_id="orders_cancel",
    description=(
        "سفارش پرداخت‌نشده لغو می‌شود. سفارش پرداخت‌شده لغو نمی‌شود: درخواست لغو ثبت می‌شود"
        " (cancellation_request) و کارکنان آن را تأیید یا رد می‌کنند؛ با تأیید، مبلغ به کارت"
        " پرداخت‌کننده بازمی‌گردد."
    ),
)
def order_cancel_endpoint(request, number: str = NUMBER):
    order = load_order(request.auth, number)
    order_customer_cancel(order=order, actor=request.auth)
    return order_out(load_order(request.auth, number))
