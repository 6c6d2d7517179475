"""Small catalogs built through the services, as staff would."""

from __future__ import annotations

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from metavast.catalog.models import Category
from metavast.catalog.services import (
    attribute_upsert,
    brand_upsert,
    category_create,
    product_create,
    variant_create,
)

_counter = itertools.count(1)


def category(
    name: str = "دستهٔ آزمایشی", slug: str = "", parent: Category | None = None
) -> Category:
    return category_create(name=name, slug=slug or f"cat-{next(_counter)}", parent=parent)


def brand(name: str = "سامسونگ", latin: str = "Samsung"):
    return brand_upsert(name=name, name_latin=latin, slug=f"brand-{next(_counter)}")


def product(
    title: str,
    *,
    cat: Category | None = None,
    price: int = 1_000_000,
    on_hand: int = 5,
    brand=None,
    specs=(),
    variants: int = 1,
    options=(),
    compare_at_price: int | None = None,
):
    cat = cat or category(slug=f"c-{next(_counter)}")
    item = product_create(
        title=title, category=cat, brand=brand, specs=specs, slug=f"p-{next(_counter)}"
    )
    for i in range(variants):
        variant_create(
            product=item,
            sku=f"SKU-{next(_counter)}",
            price=price + i * 10_000,
            compare_at_price=compare_at_price,
            on_hand=on_hand,
            options=options or [("رنگ", f"رنگ {i}")],
            position=i,
        )
    item.refresh_from_db()
    return item


def attribute(name: str = "حافظه", slug: str = "storage", filterable: bool = True):
    return attribute_upsert(name=name, slug=slug, is_filterable=filterable)


def image_upload(
    fmt: str = "PNG", size=(40, 30), name: str = "photo.png", colour="red"
) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
