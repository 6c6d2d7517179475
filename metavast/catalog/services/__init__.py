"""Catalog writes. Import from here: `from metavast.catalog.services import stock_reserve`."""

from metavast.catalog.services.images import product_image_add, product_image_delete
from metavast.catalog.services.misses import search_miss_record
from metavast.catalog.services.products import (
    attribute_upsert,
    brand_upsert,
    category_changed,
    category_create,
    product_create,
    product_record_sale,
    product_refresh,
    product_set_specs,
    product_update,
    products_bulk_price_change,
    variant_create,
    variant_set_price,
)
from metavast.catalog.services.stock import (
    products_bulk_stock_set,
    stock_commit,
    stock_release,
    stock_reserve,
    stock_set,
)

__all__ = [
    "attribute_upsert",
    "brand_upsert",
    "category_changed",
    "category_create",
    "product_create",
    "product_image_add",
    "product_image_delete",
    "product_record_sale",
    "product_refresh",
    "product_set_specs",
    "product_update",
    "products_bulk_price_change",
    "products_bulk_stock_set",
    "search_miss_record",
    "stock_commit",
    "stock_release",
    "stock_reserve",
    "stock_set",
    "variant_create",
    "variant_set_price",
]
