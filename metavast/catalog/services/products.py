"""Writes to categories, brands, attributes, products and variants.

Every write that changes what a listing or a product page shows ends in `product_refresh`,
which recomputes the product's denormalised columns (cheapest price, availability, cover,
search keys) and, after commit, bumps the cache versions.

A write that touches a product's variants, specifications or images locks the product row
first (`locks.lock_products`), before any child row, in the order orders use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.text import slugify

from metavast.audit.services import audit_record
from metavast.catalog import cache as catalog_cache
from metavast.catalog import search
from metavast.catalog.errors import InvalidPrice
from metavast.catalog.models import (
    Attribute,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductSpec,
    Variant,
)
from metavast.catalog.services.locks import lock_products, lock_products_and_variants
from metavast.catalog.tree import load_tree
from metavast.core.text import normalize

MAX_PRICE = 10**15  # Rials; far above any real price, far below the column's limit


def _on_commit_bump(*, catalog: bool) -> None:
    """Product pages carry the catalog version too, so one bump covers them all."""
    if catalog:
        transaction.on_commit(catalog_cache.bump_catalog)


def _check_price(price: int, compare_at_price: int | None) -> None:
    if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_PRICE:
        raise InvalidPrice(fields={"price": [str(InvalidPrice.message)]})
    if compare_at_price is not None and not price < compare_at_price <= MAX_PRICE:
        raise InvalidPrice(
            "قیمت پیش از تخفیف باید از قیمت فروش بیشتر باشد.",
            fields={"compare_at_price": ["قیمت پیش از تخفیف باید از قیمت فروش بیشتر باشد."]},
        )


def unique_slug(model, text: str, *, exclude_pk=None) -> str:
    base = slugify(normalize(text), allow_unicode=True)[:100] or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- categories, brands, attributes ---


@transaction.atomic
def category_create(
    *,
    name: str,
    slug: str = "",
    parent: Category | None = None,
    description: str = "",
    is_featured: bool = False,
    position: int = 0,
) -> Category:
    fields = {
        "name": name,
        "slug": slug or unique_slug(Category, name),
        "description": description,
        "is_featured": is_featured,
        "position": position,
    }
    if parent is not None:
        category = Category.objects.add_child(parent, create_kwargs=fields)
    else:
        category = Category.objects.add_root(create_kwargs=fields)
    _on_commit_bump(catalog=True)
    return category


@transaction.atomic
def category_changed(*, category: Category) -> Category:
    """After staff rename, move or hide a category: its products' search keys mention it."""
    tree = load_tree()
    ids = Product.objects.filter(category_id__in=tree.descendant_ids(category.pk) or [category.pk])
    product_refresh(product_ids=list(ids.values_list("id", flat=True)))
    _on_commit_bump(catalog=True)
    return category


@transaction.atomic
def brand_upsert(*, name: str, slug: str = "", name_latin: str = "") -> Brand:
    brand, _ = Brand.objects.update_or_create(
        name=name, defaults={"slug": slug or unique_slug(Brand, name), "name_latin": name_latin}
    )
    _on_commit_bump(catalog=True)
    return brand


@transaction.atomic
def attribute_upsert(
    *, name: str, slug: str, is_filterable: bool = False, position: int = 0
) -> Attribute:
    attribute, _ = Attribute.objects.update_or_create(
        slug=slug,
        defaults={"name": name, "is_filterable": is_filterable, "position": position},
    )
    return attribute


# --- products ---


@transaction.atomic
def product_create(
    *,
    title: str,
    category: Category,
    slug: str = "",
    brand: Brand | None = None,
    description: str = "",
    specs: Sequence[tuple[Attribute, str]] = (),
    is_published: bool = True,
    is_featured: bool = False,
) -> Product:
    product = Product.objects.create(
        title=title,
        slug=slug or unique_slug(Product, title),
        category=category,
        brand=brand,
        description=description,
        is_published=is_published,
        is_featured=is_featured,
    )
    if specs:
        product_set_specs(product=product, specs=specs)
    product_refresh(product_ids=[product.pk])
    return product


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    editable = {"title", "slug", "category", "brand", "description", "is_published", "is_featured"}
    unknown = set(fields) - editable
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(product, name, value)
    product.save()
    product_refresh(product_ids=[product.pk])
    return product


@transaction.atomic
def product_set_specs(*, product: Product, specs: Sequence[tuple[Attribute, str]]) -> Product:
    lock_products([product.pk])
    ProductSpec.objects.filter(product=product).delete()
    ProductSpec.objects.bulk_create(
        ProductSpec(product=product, attribute=attr, value=value, value_key=normalize(value))
        for attr, value in specs
        if str(value).strip()
    )
    product_refresh(product_ids=[product.pk])
    return product


@transaction.atomic
def product_record_sale(*, product_id: int, quantity: int) -> None:
    """Orders call this when paid: best-selling sorts on the count.

    No cache bump: pages sorted by sales follow the sales epoch (catalog.cache), so a sale
    no longer empties every cached page. A sale that sells out or changes the cheapest
    price bumps through the stock move."""
    from django.db.models import F

    Product.objects.filter(pk=product_id).update(sold_count=F("sold_count") + quantity)


def listing_summary(variants: list[Variant]) -> dict:
    """A product's listing columns from its variants (price, compare-at price, in stock): the
    one rule, also for orders' stock moves (orders/services/stock.py)."""
    active = [v for v in variants if v.is_active]
    buyable = [v for v in active if v.on_hand > v.reserved]
    pool = buyable or active
    cheapest = min(pool, key=lambda v: (v.price, v.position, v.pk)) if pool else None
    return {
        "price": cheapest.price if cheapest else 0,
        "compare_at_price": cheapest.compare_at_price if cheapest else None,
        "in_stock": bool(buyable),
    }


@transaction.atomic
def product_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the denormalised columns of these products. Call inside the writer's
    transaction; the cache bump runs after commit."""
    ids = list(set(product_ids))
    if not ids:
        return
    tree = load_tree()
    products = list(
        Product.objects.filter(pk__in=ids)
        .select_related("brand")
        .order_by("pk")
        # the rows are rewritten below; lock them so two refreshes do not interleave
        .select_for_update(of=("self",))
    )
    variants: dict[int, list[Variant]] = {pid: [] for pid in ids}
    for variant in Variant.objects.filter(product_id__in=ids):
        variants[variant.product_id].append(variant)
    specs: dict[int, list[str]] = {pid: [] for pid in ids}
    for product_id, value in ProductSpec.objects.filter(product_id__in=ids).values_list(
        "product_id", "value"
    ):
        specs[product_id].append(value)
    covers: dict[int, str] = {}
    for product_id, thumb in (
        ProductImage.objects.filter(product_id__in=ids)
        .order_by("product_id", "position", "id")
        .values_list("product_id", "thumb")
    ):
        covers.setdefault(product_id, thumb)
    for product in products:
        brand = product.brand
        summary = listing_summary(variants[product.pk])
        options = [value for v in variants[product.pk] for _n, value in (v.options or [])]
        docs = search.documents(
            title=product.title,
            brand=[brand.name, brand.name_latin] if brand else [],
            categories=[n.name for n in tree.lineage(product.category_id)],
            specs=specs[product.pk],
            options=options,
        )
        for name, value in {
            **summary,
            **docs,
            "brand_name": brand.name if brand else "",
            "cover_thumb": covers.get(product.pk, ""),
        }.items():
            setattr(product, name, value)
    Product.objects.bulk_update(
        products,
        [
            "price",
            "compare_at_price",
            "in_stock",
            "brand_name",
            "cover_thumb",
            "search_title",
            "search_key",
            "search_words",
        ],
    )
    search.index_products(ids)
    search.remember_terms(p.search_words for p in products)
    _on_commit_bump(catalog=True)


def refresh_availability(product: Product) -> bool:
    """After a stock move: update price/in_stock of this product (locked by the caller, with
    the fields of `locks.PRODUCT_STOCK_FIELDS`) if they changed.

    Returns whether its listing columns changed."""
    summary = listing_summary(list(Variant.objects.filter(product_id=product.pk)))
    if all(getattr(product, k) == v for k, v in summary.items()):
        return False
    Product.objects.filter(pk=product.pk).update(**summary)
    for name, value in summary.items():
        setattr(product, name, value)
    return True


# --- variants and prices ---


@transaction.atomic
def variant_create(
    *,
    product: Product,
    sku: str,
    price: int,
    compare_at_price: int | None = None,
    on_hand: int = 0,
    options: Sequence[tuple[str, str]] = (),
    position: int = 0,
) -> Variant:
    _check_price(price, compare_at_price)
    lock_products([product.pk])
    variant = Variant.objects.create(
        product=product,
        sku=sku,
        price=price,
        compare_at_price=compare_at_price,
        on_hand=on_hand,
        options=[[str(n), str(v)] for n, v in options],
        position=position,
    )
    product_refresh(product_ids=[product.pk])
    return variant


@transaction.atomic
def variant_set_price(
    *, variant: Variant, price: int, compare_at_price: int | None = None, actor=None
) -> Variant:
    _check_price(price, compare_at_price)
    lock_products([variant.product_id])
    before = {"price": variant.price, "compare_at_price": variant.compare_at_price}
    Variant.objects.filter(pk=variant.pk).update(price=price, compare_at_price=compare_at_price)
    variant.price, variant.compare_at_price = price, compare_at_price
    audit_record(
        action="catalog.price_changed",
        actor=actor,
        subject=variant,
        before=before,
        after={"price": price, "compare_at_price": compare_at_price},
    )
    product_refresh(product_ids=[variant.product_id])
    return variant


@transaction.atomic
def products_bulk_price_change(*, product_ids: Sequence[int], percent: int, actor) -> int:
    """Raise (or with a negative percent, cut) every active variant's price; returns how many.

    Prices round to whole Toman (10 Rials). Compare-at prices that would no longer be above the
    new price are dropped, so a discount badge never lies."""
    if not -90 <= percent <= 500:
        raise InvalidPrice("درصد تغییر قیمت باید بین ۹۰- و ۵۰۰ باشد.")
    changed = 0
    # Products first, then their variants, both by id: the order orders lock them in.
    for variant in lock_products_and_variants(product_ids):
        # Integer arithmetic, half away from zero to whole Toman, like core.money.
        new_price = max(10, (variant.price * (100 + percent) + 500) // 1000 * 10)
        compare = variant.compare_at_price
        if compare is not None and compare <= new_price:
            compare = None
        before = {"price": variant.price, "compare_at_price": variant.compare_at_price}
        Variant.objects.filter(pk=variant.pk).update(price=new_price, compare_at_price=compare)
        audit_record(
            action="catalog.price_bulk_changed",
            actor=actor,
            subject=variant,
            before=before,
            after={"price": new_price, "compare_at_price": compare, "percent": percent},
        )
        changed += 1
    product_refresh(product_ids=product_ids)
    return changed
