"""The cart API (/api/v1/cart): the signed-in customer's cart, priced on the server.

Quantities are whole numbers (a fraction, a negative or anything above the per-line limit is
a 422); prices are never read from the request. Guests use the web cart; apps sign in.
"""

from __future__ import annotations

from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from metavast.accounts.api_auth import token_or_session
from metavast.cart.models import Cart
from metavast.cart.pricing import PricedCart, price_cart
from metavast.cart.services import (
    cart_add_priced,
    cart_apply_discount_code,
    cart_get_or_create,
    cart_remove,
    cart_remove_discount_code,
    cart_set_quantity,
)
from metavast.core.schemas import ErrorOut, InputSchema

router = Router(tags=["cart"], auth=token_or_session)
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 422, 503), ErrorOut)
MAX_ID = 2**63 - 1


class CartLineOut(Schema):
    variant_id: int
    sku: str
    product_title: str
    product_slug: str
    options: str
    unit_price: int = Field(..., description="ریال، قیمت امروز با مالیات بر ارزش افزوده")
    quantity: int
    line_total: int = Field(..., description="ریال، با مالیات، پیش از تخفیف")
    discount: int = Field(0, description="سهم این ردیف از تخفیف (ریال، با مالیات)")
    price_was: int | None = Field(None, description="قیمت هنگام افزودن، اگر تغییر کرده")
    available: int
    problem: str = Field("", description="unavailable | short | over_limit | ''")


class CartOut(Schema):
    lines: list[CartLineOut]
    count: int
    subtotal: int = Field(..., description="ریال، جمع کالاها با مالیات، پیش از تخفیف")
    prices_include_vat: bool = True
    vat_rate_basis_points: int = Field(..., description="نرخ مالیات (۱۰۰۰ یعنی ۱۰٪)")
    discount_code: str = Field("", description="کد تخفیف اعمال‌شده بر سبد")
    discount: int = Field(0, description="ریال، با مالیات")
    discount_error: ErrorOut | None = Field(None, description="چرا کد اعمال‌شده اکنون تخفیفی نمی‌دهد")
    total: int = Field(..., description="ریال، کالاها پس از تخفیف (بی‌هزینهٔ ارسال)")
    weight_grams: int
    version: int
    has_problems: bool


class AddIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"variant_id": 42, "quantity": 2}]})

    variant_id: int = Field(..., ge=1, le=MAX_ID)
    quantity: int = Field(1, ge=1, le=1000, strict=True)


class QuantityIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 3}]})

    quantity: int = Field(..., ge=0, le=1000, strict=True, description="۰ یعنی حذف")


class DiscountCodeIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "YALDA1405"}]})

    code: str = Field(..., min_length=1, max_length=64, description="کد تخفیف")


def _error_out(error) -> dict | None:
    if error is None:
        return None
    return {"code": error.code, "message": str(error.message), "fields": error.fields}


def cart_out(priced: PricedCart) -> dict:
    return {
        "lines": [
            {
                "variant_id": p.variant.pk,
                "sku": p.variant.sku,
                "product_title": p.product.title,
                "product_slug": p.product.slug,
                "options": p.variant.label,
                "unit_price": p.unit_price,
                "quantity": p.quantity,
                "line_total": p.line_total,
                "discount": p.discount,
                "price_was": p.price_was,
                "available": p.available,
                "problem": p.problem,
            }
            for p in priced.lines
        ],
        "count": priced.count,
        "subtotal": priced.subtotal,
        "vat_rate_basis_points": priced.vat_basis_points,
        "discount_code": priced.applied_code,
        "discount": priced.discount,
        "discount_error": _error_out(priced.discount_error),
        "total": priced.total,
        "weight_grams": priced.weight_grams,
        "version": priced.version,
        "has_problems": priced.has_problems,
    }


@router.get("", response={200: CartOut, **ERRORS}, summary="سبد خرید من", operation_id="cart_get")
def cart_detail(request):
    return cart_out(price_cart(Cart.objects.of_user(request.auth).first()))


@router.post(
    "/lines",
    response={200: CartOut, **ERRORS},
    summary="افزودن کالا به سبد",
    operation_id="cart_add_line",
)
def cart_line_add(request, payload: AddIn):
    priced = cart_add_priced(
        user=request.auth, variant_id=payload.variant_id, quantity=payload.quantity
    )
    return cart_out(priced)


@router.put(
    "/lines/{variant_id}",
    response={200: CartOut, **ERRORS},
    summary="تغییر تعداد (۰: حذف)",
    operation_id="cart_set_line_quantity",
)
def cart_line_set(request, payload: QuantityIn, variant_id: int = Path(..., ge=1, le=MAX_ID)):
    cart = cart_get_or_create(user=request.auth)
    cart_set_quantity(cart=cart, variant_id=variant_id, quantity=payload.quantity)
    return cart_out(price_cart(cart))


@router.delete(
    "/lines/{variant_id}",
    response={200: CartOut, **ERRORS},
    summary="حذف از سبد",
    operation_id="cart_remove_line",
)
def cart_line_remove(request, variant_id: int = Path(..., ge=1, le=MAX_ID)):
    cart = cart_get_or_create(user=request.auth)
    cart_remove(cart=cart, variant_id=variant_id)
    return cart_out(price_cart(cart))


@router.put(
    "/discount-code",
    response={200: CartOut, **ERRORS},
    summary="اعمال کد تخفیف بر سبد (۴۲۲/۴۰۹ با دلیل در صورت رد)",
    operation_id="cart_apply_discount_code",
)
def cart_discount_apply(request, payload: DiscountCodeIn):
    cart = cart_get_or_create(user=request.auth)
    cart_apply_discount_code(cart=cart, code=payload.code)
    return cart_out(price_cart(cart))


@router.delete(
    "/discount-code",
    response={200: CartOut, **ERRORS},
    summary="برداشتن کد تخفیف",
    operation_id="cart_remove_discount_code",
)
def cart_discount_remove(request):
    cart = cart_get_or_create(user=request.auth)
    cart_remove_discount_code(cart=cart)
    return cart_out(price_cart(cart))
