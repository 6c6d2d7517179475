"""Error codes of the cart. Services raise these; views and the API show the message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    status = 422
    message = _("تعداد باید عددی صحیح و مثبت باشد.")


class QuantityAboveLimit(DomainError):
    code = "quantity_above_limit"
    status = 422
    message = _("از هر کالا حداکثر این تعداد را می‌توانید سفارش دهید.")


class NotEnoughStock(Conflict):
    code = "not_enough_stock"
    message = _("موجودی این کالا کمتر از تعداد درخواستی است.")


class ItemUnavailable(Conflict):
    code = "item_unavailable"
    message = _("این کالا در حال حاضر برای فروش عرضه نمی‌شود.")


class CartFull(Conflict):
    code = "cart_full"
    message = _("سبد خرید بیش از این جا ندارد.")


class LineNotFound(NotFound):
    code = "cart_line_not_found"
    message = _("این کالا در سبد خرید شما نیست.")
