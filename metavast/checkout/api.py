"""The checkout API (/api/v1/checkout): shipping quotes for an address and placing an order.

Placing takes everything in one request with an `idempotency_key` chosen by the app for this
checkout attempt: sending it again (a retry, a double tap) returns the same order.
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from metavast.accounts.api_auth import token_or_session
from metavast.accounts.models import Address
from metavast.cart.models import Cart
from metavast.cart.pricing import price_cart
from metavast.cart.services import cart_get_or_create
from metavast.checkout.errors import AddressNotFound
from metavast.checkout.shipping import shipping_quotes
from metavast.core.clientip import request_ip
from metavast.core.schemas import ErrorOut, InputSchema
from metavast.orders.api import OrderOut, order_out, with_details
from metavast.orders.services import Receiver, order_place

router = Router(tags=["checkout"], auth=token_or_session)
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 503), ErrorOut)
PLACE_ERRORS = {**ERRORS, 429: ErrorOut}  # placing too often (per customer, per address)
MAX_ID = 2**63 - 1


class QuoteOut(Schema):
    method_id: int
    code: str
    name: str
    cost: int = Field(..., description="ریال")
    allows_cod: bool
    delivery_estimate: str


class ReceiverIn(InputSchema):
    is_self: bool = True
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    mobile: str = Field("", max_length=64)


class PlaceIn(InputSchema):
    address_id: int = Field(..., ge=1, le=MAX_ID)
    receiver: ReceiverIn = ReceiverIn()
    shipping_method_id: int = Field(..., ge=1, le=MAX_ID)
    payment_method: Literal["online", "cod"] = "online"
    idempotency_key: str = Field(..., min_length=8, max_length=60, pattern=r"^[A-Za-z0-9_-]+$")
    expected_total: int | None = Field(
        None, ge=0, le=MAX_ID, description="اگر بدهید و مبلغ تغییر کرده باشد: 409"
    )


def _address(user, address_id: int) -> Address:
    address = Address.objects.of(user).filter(pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    return address


@router.get(
    "/shipping-methods",
    response={200: list[QuoteOut], **ERRORS},
    summary="روش‌های ارسال و هزینهٔ آن‌ها برای سبد فعلی و یک نشانی",
)
def quotes(request, address_id: int = Query(..., ge=1, le=MAX_ID)):
    address = _address(request.auth, address_id)
    weight = price_cart(Cart.objects.of_user(request.auth).first()).weight_grams
    return [
        {
            "method_id": q.method.pk,
            "code": q.method.code,
            "name": q.method.name,
            "cost": q.cost,
            "allows_cod": q.allows_cod,
            "delivery_estimate": q.method.delivery_estimate,
        }
        for q in shipping_quotes(province=address.province, city=address.city, weight_grams=weight)
    ]


@router.post(
    "/orders",
    response={201: OrderOut, **PLACE_ERRORS},
    summary="ثبت سفارش از سبد خرید (رزرو موجودی؛ پرداخت آنلاین یا در محل)",
)
def place(request, payload: PlaceIn):
    user = request.auth
    order = order_place(
        user=user,
        cart=cart_get_or_create(user=user),
        address=_address(user, payload.address_id),
        receiver=Receiver(
            is_self=payload.receiver.is_self,
            first_name=payload.receiver.first_name,
            last_name=payload.receiver.last_name,
            mobile=payload.receiver.mobile,
        ),
        shipping_method_id=payload.shipping_method_id,
        payment_method=payload.payment_method,
        checkout_key=f"api:{payload.idempotency_key}",
        expected_total=payload.expected_total,
        ip=request_ip(request),
    )
    return Status(201, order_out(with_details(order)))
