"""The cart API (/api/v1/cart): the signed-in customer's cart, priced on the server.

Quantities are whole numbers (a fraction, a negative or anything above the per-line limit is
a 422); prices are never read from the request. Guests use the web cart; apps sign in.
"""

from __future__ import annotations

from ninja import Field, Path, Router, Schema

from metavast.accounts.api_auth import token_or_session
from metavast.cart.models import Cart
from metavast.cart.pricing import PricedCart, price_cart
from metavast.cart.services import (
    cart_add,
    cart_get_or_create,
    cart_remove,
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
    unit_price: int = Field(..., description="ریال، قیمت امروز")
    quantity: int
    line_total: int
    price_was: int | None = Field(None, description="قیمت هنگام افزودن، اگر تغییر کرده")
    available: int
    problem: str = Field("", description="unavailable | short | over_limit | ''")


class CartOut(Schema):
    lines: list[CartLineOut]
    count: int
    subtotal: int
    weight_grams: int
    version: int
    has_problems: bool


class AddIn(InputSchema):
    variant_id: int = Field(..., ge=1, le=MAX_ID)
    quantity: int = Field(1, ge=1, le=1000, strict=True)


class QuantityIn(InputSchema):
    quantity: int = Field(..., ge=0, le=1000, strict=True, description="۰ یعنی حذف")


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
                "price_was": p.price_was,
                "available": p.available,
                "problem": p.problem,
            }
            for p in priced.lines
        ],
        "count": priced.count,
        "subtotal": priced.subtotal,
        "weight_grams": priced.weight_grams,
        "version": priced.version,
        "has_problems": priced.has_problems,
    }


@router.get("", response={200: CartOut, **ERRORS}, summary="سبد خرید من")
def cart_detail(request):
    return cart_out(price_cart(Cart.objects.of_user(request.auth).first()))


@router.post("/lines", response={200: CartOut, **ERRORS}, summary="افزودن کالا به سبد")
def cart_line_add(request, payload: AddIn):
    cart = cart_get_or_create(user=request.auth)
    cart_add(cart=cart, variant_id=payload.variant_id, quantity=payload.quantity)
    return cart_out(price_cart(cart))


@router.put(
    "/lines/{variant_id}", response={200: CartOut, **ERRORS}, summary="تغییر تعداد (۰: حذف)"
)
def cart_line_set(request, payload: QuantityIn, variant_id: int = Path(..., ge=1, le=MAX_ID)):
    cart = cart_get_or_create(user=request.auth)
    cart_set_quantity(cart=cart, variant_id=variant_id, quantity=payload.quantity)
    return cart_out(price_cart(cart))


@router.delete("/lines/{variant_id}", response={200: CartOut, **ERRORS}, summary="حذف از سبد")
def cart_line_remove(request, variant_id: int = Path(..., ge=1, le=MAX_ID)):
    cart = cart_get_or_create(user=request.auth)
    cart_remove(cart=cart, variant_id=variant_id)
    return cart_out(price_cart(cart))
