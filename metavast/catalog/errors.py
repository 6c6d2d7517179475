"""Error codes of the catalog. Services raise these; views and the API show the message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    message = _("کالا پیدا نشد.")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = _("دسته‌بندی پیدا نشد.")


class VariantNotFound(NotFound):
    code = "variant_not_found"
    message = _("این مدل از کالا پیدا نشد.")


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = _("موجودی این کالا کافی نیست.")


class StockNotReserved(Conflict):
    code = "stock_not_reserved"
    message = _("این تعداد از کالا رزرو نشده است.")


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    message = _("تعداد باید عددی مثبت باشد.")


class StockBelowReserved(Conflict):
    code = "stock_below_reserved"
    message = _("موجودی انبار نمی‌تواند از تعداد رزروشده کمتر باشد.")


class InvalidPrice(DomainError):
    code = "invalid_price"
    message = _("قیمت معتبر نیست.")


class InvalidImage(DomainError):
    code = "invalid_image"
    message = _("فایل تصویر معتبر نیست.")


class ImageTooLarge(InvalidImage):
    code = "image_too_large"
    message = _("تصویر بیش از حد بزرگ است.")
