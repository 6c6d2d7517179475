"""Payments API (/api/v1/payments/...): start paying one of your orders, and its status.

An app starts a payment and opens `redirect_url` in a browser; the bank brings the customer
back to the site's callback page, and the app reads the outcome from the status endpoint.
Someone else's order, or one that cannot be paid now, is a 404 like an unknown number.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api_auth import token_or_session
from metavast.core.schemas import ErrorOut, InputSchema
from metavast.orders.models import Order
from metavast.payments import gateways, services
from metavast.payments.errors import OrderNotFound
from metavast.payments.models import Payment
from metavast.payments.views import site_url

router = Router(tags=["payments"])

ORDER_NUMBER = r"^[A-Za-z0-9-]{1,16}$"


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(codes, ErrorOut)


class StartIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"gateway": "zarinpal"}]})

    gateway: str | None = Field(
        None, max_length=20, pattern=r"^[a-z]{1,20}$", description="خالی: درگاه پیش‌فرض"
    )


class StartOut(Schema):
    payment_id: int
    gateway: str
    status: str
    amount: int = Field(description="ریال")
    redirect_url: str = Field(description="صفحهٔ بانک؛ در مرورگر باز کنید")


class PaymentOut(Schema):
    id: int
    gateway: str
    status: str
    amount: int = Field(description="ریال")
    ref_id: str
    card_pan: str
    created_at: dt.datetime
    paid_at: dt.datetime | None


class OrderPaymentsOut(Schema):
    order_number: str
    order_status: str
    payable: bool
    gateways: list[str]
    payments: list[PaymentOut]


@router.post(
    "/orders/{number}/start",
    auth=token_or_session,
    response={201: StartOut, **errors(400, 401, 403, 404, 409, 422, 503)},
    summary="شروع پرداخت اینترنتی یک سفارش",
    operation_id="payments_start",
)
def start_endpoint(
    request,
    payload: StartIn,
    number: str = Path(..., pattern=ORDER_NUMBER),
):
    payment = services.payment_start(
        order_number=number,
        user=request.auth,
        site_url=site_url(request),
        gateway=payload.gateway,
    )
    return Status(
        201,
        {
            "payment_id": payment.pk,
            "gateway": payment.gateway,
            "status": payment.status,
            "amount": payment.amount,
            "redirect_url": request.build_absolute_uri(payment.redirect_url),
        },
    )


@router.get(
    "/orders/{number}",
    auth=token_or_session,
    response={200: OrderPaymentsOut, **errors(401, 403, 404, 422)},
    summary="وضعیت پرداخت‌های یک سفارش شما",
    operation_id="payments_get_status",
)
def status_endpoint(request, number: str = Path(..., pattern=ORDER_NUMBER)):
    order = Order.objects.for_user(request.auth).filter(number=number).first()
    if order is None:
        raise OrderNotFound()
    rows = Payment.objects.filter(order=order).order_by("-pk")[:20]
    return Status(
        200,
        {
            "order_number": order.number,
            "order_status": order.status,
            "payable": order.is_payable,
            "gateways": gateways.enabled_gateways(),
            "payments": [
                {
                    "id": p.pk,
                    "gateway": p.gateway,
                    "status": p.status,
                    "amount": p.amount,
                    "ref_id": p.ref_id,
                    "card_pan": p.card_pan,
                    "created_at": p.created_at,
                    "paid_at": p.paid_at,
                }
                for p in rows
            ],
        },
    )
