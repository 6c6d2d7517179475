"""CSV import and export of the catalog, one row per variant (django-import-export).

Export escapes every cell that a spreadsheet would run as a formula (starting with = + - @,
tab or carriage return) by prefixing an apostrophe: a product title is staff input and a
CSV is opened in Excel.

Import goes through the services like any other write: a known SKU updates price and stock
(audited, as staff edits), an unknown SKU creates the variant, and its product when the slug
is new. Each row needs the right for what it does (a price: change_product; a new SKU:
add_variant; a new product: add_product), so the warehouse's stock import changes stock only. The whole file is one transaction, and its rows come in any order: the products it
names are locked first, all at once and by id (see services.locks), so an import never holds
a later product while waiting for an earlier one that an order holds.
"""

from __future__ import annotations

from django.db import transaction
from import_export import fields, resources
from import_export.widgets import IntegerWidget

from metavast.catalog.models import Brand, Category, Product, Variant
from metavast.catalog.services import (
    product_create,
    stock_set,
    variant_create,
    variant_set_price,
)
from metavast.catalog.services.locks import lock_products
from metavast.core.errors import DomainError
from metavast.core.text import to_ascii_digits
from metavast.core.validators import plain_text_error

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The import screen needs only `change_variant` (the warehouse's stock import): each row is
# then checked for what it would really do. Prices are edited on the product by those who may
# change products, so a price column needs the same right; an unknown SKU or slug creates.
CHANGE_PRICE = "catalog.change_product"
ADD_VARIANT = "catalog.add_variant"
ADD_PRODUCT = "catalog.add_product"


def _require(actor, permission: str, what: str) -> None:
    """Refuse the row unless the importing staff member holds `permission`. An import with no
    user (a management shell) is the operator's own."""
    if actor is not None and not actor.has_perm(permission):
        raise ValueError(f"شما اجازهٔ {what} را ندارید؛ این ردیف وارد نشد.")


OPTION_SEPARATOR = "؛"


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def options_text(options) -> str:
    return f" {OPTION_SEPARATOR} ".join(f"{n}: {v}" for n, v in options or [])


def parse_options(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in (text or "").split(OPTION_SEPARATOR):
        name, _, value = part.partition(":")
        if name.strip() and value.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


class LenientInteger(IntegerWidget):
    """Accepts Persian digits and thousands separators as staff type them."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = to_ascii_digits(value).replace(",", "").replace("٬", "").strip()
        return super().clean(value, row=row, **kwargs)


class VariantResource(resources.ModelResource):
    sku = fields.Field(attribute="sku", column_name="sku")
    product_slug = fields.Field(attribute="product__slug", column_name="product_slug")
    product_title = fields.Field(attribute="product__title", column_name="product_title")
    category_slug = fields.Field(
        attribute="product__category__slug", column_name="category_slug", readonly=True
    )
    brand = fields.Field(attribute="product__brand__name", column_name="brand", readonly=True)
    options = fields.Field(column_name="options", readonly=True)
    price = fields.Field(attribute="price", column_name="price", widget=LenientInteger())
    compare_at_price = fields.Field(
        attribute="compare_at_price", column_name="compare_at_price", widget=LenientInteger()
    )
    on_hand = fields.Field(attribute="on_hand", column_name="on_hand", widget=LenientInteger())

    class Meta:
        model = Variant
        import_id_fields = ("sku",)
        fields = (
            "sku",
            "product_slug",
            "product_title",
            "category_slug",
            "brand",
            "options",
            "price",
            "compare_at_price",
            "on_hand",
        )
        skip_unchanged = True
        report_skipped = False

    def get_queryset(self):
        return Variant.objects.select_related("product__category", "product__brand").order_by(
            "product_id", "position", "id"
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if not transaction.get_connection().in_atomic_block:
            return  # without transactions each row is its own, locking in order by itself
        headers = dataset.headers or []
        skus = [str(v).strip() for v in dataset["sku"]] if "sku" in headers else []
        slugs = (
            [str(v).strip() for v in dataset["product_slug"]] if "product_slug" in headers else []
        )
        product_ids = set(
            Variant.objects.filter(sku__in=[s for s in skus if s]).values_list(
                "product_id", flat=True
            )
        )
        product_ids |= set(
            Product.objects.filter(slug__in=[s for s in slugs if s]).values_list("id", flat=True)
        )
        lock_products(product_ids)

    def before_import_row(self, row, **kwargs):
        # A spreadsheet is typed text too: the plain-text rule of every form applies
        # (metavast.core.validators), and a row holding a control or bidi character is refused.
        super().before_import_row(row, **kwargs)
        for column, value in row.items():
            error = plain_text_error(value)
            if error is not None:
                raise ValueError(f"{column}: {error.messages[0]}")

    def dehydrate_options(self, variant: Variant) -> str:
        return options_text(variant.options)

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute and "__" in field.attribute:
            return  # related columns are read in save_instance, never set through the variant
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    @transaction.atomic
    def save_instance(self, instance: Variant, is_create: bool, row, **kwargs):
        actor = kwargs.get("user")
        try:
            if is_create:
                self._create(instance, row, actor)
            else:
                self._update(instance, actor)
        except DomainError as error:
            raise ValueError(str(error.message)) from error

    def _create(self, instance: Variant, row, actor) -> None:
        _require(actor, ADD_VARIANT, "افزودن تنوع تازه (SKU ناشناخته)")
        slug = (row.get("product_slug") or "").strip()
        product = Product.objects.filter(slug=slug).first() if slug else None
        if product is None:
            _require(actor, ADD_PRODUCT, "افزودن کالای تازه")
            category = Category.objects.filter(
                slug=(row.get("category_slug") or "").strip()
            ).first()
            if category is None or not (row.get("product_title") or "").strip():
                raise ValueError("برای کالای تازه، product_title و category_slug معتبر لازم است.")
            brand = Brand.objects.filter(name=(row.get("brand") or "").strip()).first()
            product = product_create(
                title=row["product_title"].strip(), slug=slug, category=category, brand=brand
            )
        created = variant_create(
            product=product,
            sku=instance.sku,
            price=instance.price,
            compare_at_price=instance.compare_at_price,
            on_hand=instance.on_hand or 0,
            options=parse_options(row.get("options") or ""),
        )
        instance.pk = created.pk

    def _update(self, instance: Variant, actor) -> None:
        current = Variant.objects.get(pk=instance.pk)
        if (instance.price, instance.compare_at_price) != (
            current.price,
            current.compare_at_price,
        ):
            _require(actor, CHANGE_PRICE, "تغییر قیمت")
            variant_set_price(
                variant=current,
                price=instance.price,
                compare_at_price=instance.compare_at_price,
                actor=actor,
            )
        if instance.on_hand != current.on_hand:
            stock_set(variant_id=current.pk, on_hand=instance.on_hand, actor=actor)
