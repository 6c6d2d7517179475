"""The checkout API (/api/v1/checkout): shipping quotes for an address and placing an order.

Placing takes everything in one request with an `idempotency_key` chosen by the app for this
checkout attempt: sending it again (a retry, a double tap) returns the same order.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from metavast.accounts.api_auth import token_or_session
from metavast.accounts.models import Address
from metavast.cart.models import Cart
from metavast.cart.pricing import price_cart
from metavast.cart.services import (
    cart_apply_discount_code,
    cart_get_or_create,
    cart_remove_discount_code,
)
from metavast.checkout.delivery import bookable_windows
from metavast.checkout.errors import AddressNotFound
from metavast.checkout.services import checkout_place_direct
from metavast.checkout.shipping import shipping_quotes
from metavast.core.clientip import request_ip
from metavast.core.schemas import ErrorOut, InputSchema
from metavast.core.vat import display_gross
from metavast.orders.api import OrderOut, order_out, with_details
from metavast.orders.models import Order
from metavast.orders.services import Receiver, order_details_as_placed

router = Router(tags=["checkout"], auth=token_or_session)
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 503), ErrorOut)
PLACE_ERRORS = {**ERRORS, 429: ErrorOut}  # placing too often (per customer, per address)
MAX_ID = 2**63 - 1


class DeliveryWindowOut(Schema):
    id: int
    label: str
    date: dt.date
    starts_at: dt.time
    ends_at: dt.time
    room: int


class QuoteOut(Schema):
    method_id: int
    code: str
    name: str
    cost: int = Field(..., description="ریال، با مالیات بر ارزش افزوده")
    allows_cod: bool
    delivery_estimate: str
    notes: list[str] = Field(..., description="توضیح‌های گزینه، هر کدام یک بار")
    needs_delivery_window: bool
    delivery_windows: list[DeliveryWindowOut] = Field(
        ..., description="بازه‌های تحویل با ظرفیت خالی در روزهای پیش رو (فقط برای پیک)"
    )


class ReceiverIn(InputSchema):
    is_self: bool = True
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    mobile: str = Field("", max_length=64)


class PlaceIn(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "address_id": 12,
                    "receiver": {
                        "is_self": False,
                        "first_name": "رضا",
                        "last_name": "محمدی",
                        "mobile": "09351234567",
                    },
                    "shipping_method_id": 1,
                    "payment_method": "online",
                    "idempotency_key": "checkout-7f3a9c2e",
                    "expected_total": 12_450_000,
                }
            ]
        }
    )

    address_id: int = Field(..., ge=1, le=MAX_ID)
    # No default object here: a nested model with a default is dropped by client generators.
    receiver: ReceiverIn | None = Field(
        None, description="گیرندهٔ سفارش؛ خالی یعنی خود خریدار (is_self: true)"
    )
    shipping_method_id: int = Field(..., ge=1, le=MAX_ID)
    payment_method: Literal["online", "cod"] = "online"
    idempotency_key: str = Field(..., min_length=8, max_length=60, pattern=r"^[A-Za-z0-9_-]+$")
    expected_total: int | None = Field(
        None, ge=0, le=MAX_ID, description="اگر بدهید و مبلغ تغییر کرده باشد: 409"
    )
    discount_code: str | None = Field(
        None,
        max_length=64,
        description="کد تخفیف؛ بر سبد اعمال می‌شود (رشتهٔ خالی: برداشتن کد). "
        "ندادن آن کد اعمال‌شده بر سبد را نگه می‌دارد.",
    )
    delivery_window_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="برای روش ارسالی که بازهٔ تحویل می‌خواهد (پیک)"
    )


def _discount_code_to_cart(user, payload: PlaceIn) -> None:
    """The request's `discount_code` goes on the cart the order is placed from; a repeat of
    an order already placed (same idempotency key) changes nothing."""
    if payload.discount_code is None:
        return
    key = f"api:{payload.idempotency_key}"
    if Order.objects.filter(user=user, checkout_key=key).exists():
        return
    cart = cart_get_or_create(user=user)
    if payload.discount_code.strip():
        cart_apply_discount_code(cart=cart, code=payload.discount_code)
    else:
        cart_remove_discount_code(cart=cart)


def _address(user, address_id: int) -> Address:
    address = Address.objects.of(user).filter(pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    return address


@router.get(
    "/shipping-methods",
    response={200: list[QuoteOut], **ERRORS},
    summary="روش‌های ارسال و هزینهٔ آن‌ها برای سبد فعلی و یک نشانی",
    operation_id="checkout_list_shipping_methods",
)
def quotes(request, address_id: int = Query(..., ge=1, le=MAX_ID)):
    address = _address(request.auth, address_id)
    weight = price_cart(Cart.objects.of_user(request.auth).first()).weight_grams
    return [
        {
            "method_id": q.method.pk,
            "code": q.method.code,
            "name": q.method.name,
            "cost": display_gross(q.cost),
            "allows_cod": q.allows_cod,
            "delivery_estimate": q.method.delivery_estimate,
            "notes": q.method.option_notes,
            "needs_delivery_window": q.method.needs_delivery_window,
            "delivery_windows": [
                {
                    "id": w.pk,
                    "label": w.label,
                    "date": w.date,
                    "starts_at": w.starts_at,
                    "ends_at": w.ends_at,
                    "room": w.room,
                }
                for w in bookable_windows(method=q.method)
            ],
        }
        for q in shipping_quotes(province=address.province, city=address.city, weight_grams=weight)
    ]


@router.post(
    "/orders",
    response={201: OrderOut, **PLACE_ERRORS},
    summary="ثبت سفارش از سبد خرید (رزرو موجودی؛ پرداخت آنلاین یا در محل)",
    operation_id="checkout_place_order",
)
def place(request, payload: PlaceIn):
    user = request.auth
    receiver = payload.receiver or ReceiverIn()
    _discount_code_to_cart(user, payload)
    order = checkout_place_direct(
        user=user,
        address=_address(user, payload.address_id),
        receiver=Receiver(
            is_self=receiver.is_self,
            first_name=receiver.first_name,
            last_name=receiver.last_name,
            mobile=receiver.mobile,
        ),
        shipping_method_id=payload.shipping_method_id,
        delivery_window_id=payload.delivery_window_id,
        payment_method=payload.payment_method,
        checkout_key=f"api:{payload.idempotency_key}",
        expected_total=payload.expected_total,
        ip=request_ip(request),
    )
    if not order_details_as_placed(order):  # a repeat: its rows are read
        with_details(order)
    return Status(201, order_out(order))
