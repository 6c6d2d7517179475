"""The catalog: a category tree, brands, products with specifications, variants and images.

Prices are integer Rials on the variant. A product keeps a few denormalised columns that the
listing pages sort and filter on (its cheapest price, whether anything is in stock, the cover
thumbnail, the search keys), so a listing of 100,000 products never joins variants or images.
Only `metavast.catalog.services` writes them, and it refreshes them in the same transaction as
the change they summarise.

Stock lives on the variant as `on_hand` (physically in the warehouse) and `reserved` (held by
carts in checkout). What a shopper can buy is `on_hand - reserved`; the database refuses a row
where that would be negative, and the stock services move both columns with conditional
UPDATEs, never read-modify-write.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from metavast.catalog.cache import versioned


class CategoryQuerySet(MP_NodeQuerySet):
    def visible(self):
        return self.filter(is_visible=True)


class CategoryManager(MP_NodeManager):
    def get_queryset(self):
        return CategoryQuerySet(self.model).order_by("path")

    def visible(self):
        return self.get_queryset().visible()

    def hidden_ids(self) -> list[int]:
        """Categories a shopper must not see: hidden themselves or under a hidden one
        (by the materialised path). Worked out once per catalog version (`versioned`)."""
        return versioned("hidden-categories", self._hidden_ids)

    def _hidden_ids(self) -> list[int]:
        paths = list(self.get_queryset().filter(is_visible=False).values_list("path", flat=True))
        if not paths:
            return []
        under_hidden = Q()
        for path in paths:
            under_hidden |= Q(path__startswith=path)
        return sorted(self.get_queryset().filter(under_hidden).values_list("pk", flat=True))


class Category(MP_Node):
    name = models.CharField(_("نام"), max_length=120)
    slug = models.SlugField(_("نشانی"), max_length=140, unique=True, allow_unicode=True)
    description = models.TextField(_("توضیح"), blank=True)
    is_visible = models.BooleanField(_("نمایش در فروشگاه"), default=True)
    is_featured = models.BooleanField(_("ویژه در صفحهٔ اصلی"), default=False)
    position = models.PositiveSmallIntegerField(_("ترتیب"), default=0)

    node_order_by = ["position", "name"]
    objects = CategoryManager()

    class Meta:
        verbose_name = _("دسته‌بندی")
        verbose_name_plural = _("دسته‌بندی‌ها")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Brand(models.Model):
    name = models.CharField(_("نام"), max_length=120, unique=True)
    name_latin = models.CharField(_("نام لاتین"), max_length=120, blank=True)
    slug = models.SlugField(_("نشانی"), max_length=140, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("برند")
        verbose_name_plural = _("برندها")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Attribute(models.Model):
    """A kind of specification (RAM, screen size, cover type); filterable ones become facets."""

    name = models.CharField(_("نام"), max_length=120, unique=True)
    slug = models.SlugField(_("نشانی"), max_length=60, unique=True)
    is_filterable = models.BooleanField(_("قابل فیلتر"), default=False)
    position = models.PositiveSmallIntegerField(_("ترتیب"), default=0)

    class Meta:
        verbose_name = _("ویژگی")
        verbose_name_plural = _("ویژگی‌ها")
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name


# Listing orders; each has an index per category and a global one (Product.Meta.indexes).
SORT_ORDERS = {
    "newest": ("-created_at", "-id"),
    "cheapest": ("-in_stock", "price", "-id"),
    "dearest": ("-in_stock", "-price", "-id"),
    # The category page's default: what is in stock first (issue 15), then the most sold.
    "bestselling": ("-in_stock", "-sold_count", "-id"),
    # Best average first (in tenths), then the one more people reviewed; unreviewed last.
    "rating": ("-rating_average", "-rating_count", "-id"),
    "relevance": ("-created_at", "-id"),  # without a query there is nothing to rank
}


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """What a shopper may see: published, in a category that is shown with all its
        ancestors. Hidden categories are few, so their ids are cached per catalog version
        and the filter disappears when none is hidden."""
        qs = self.filter(is_published=True)
        hidden = Category.objects.hidden_ids()
        return qs.exclude(category_id__in=hidden) if hidden else qs

    def in_categories(self, category_ids):
        return self.filter(category_id__in=list(category_ids))

    def in_stock(self):
        return self.filter(in_stock=True)

    def price_between(self, low: int | None, high: int | None):
        qs = self
        if low is not None:
            qs = qs.filter(price__gte=low)
        if high is not None:
            qs = qs.filter(price__lte=high)
        return qs

    def of_brands(self, brand_slugs):
        return self.filter(brand__slug__in=list(brand_slugs))

    def with_spec(self, attribute_id: int, value_keys):
        return self.filter(
            models.Exists(
                ProductSpec.objects.filter(
                    product_id=models.OuterRef("pk"),
                    attribute_id=attribute_id,
                    value_key__in=list(value_keys),
                )
            )
        )

    def sorted_by(self, sort: str):
        return self.order_by(*SORT_ORDERS.get(sort, SORT_ORDERS["newest"]))


class Product(models.Model):
    title = models.CharField(_("عنوان"), max_length=200)
    slug = models.SlugField(_("نشانی"), max_length=220, unique=True, allow_unicode=True)
    category = models.ForeignKey(
        Category, verbose_name=_("دسته‌بندی"), on_delete=models.PROTECT, related_name="products"
    )
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("برند"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    description = models.TextField(_("توضیحات"), blank=True)
    is_published = models.BooleanField(_("منتشر شده"), default=True)
    is_featured = models.BooleanField(_("ویژه"), default=False)
    # Counted by orders when they are paid; "best-selling" sorts on it.
    sold_count = models.PositiveIntegerField(_("تعداد فروش"), default=0)
    created_at = models.DateTimeField(_("زمان ایجاد"), auto_now_add=True)
    updated_at = models.DateTimeField(_("آخرین ویرایش"), auto_now=True)

    # --- Denormalised by services.product_refresh; never edited by hand. ---
    price = models.PositiveBigIntegerField(_("کمترین قیمت (ریال)"), default=0, editable=False)
    compare_at_price = models.PositiveBigIntegerField(
        "قیمت پیش از تخفیف (ریال)", null=True, blank=True, editable=False
    )
    in_stock = models.BooleanField(_("موجود"), default=False, editable=False)
    brand_name = models.CharField("نام برند", max_length=120, blank=True, editable=False)
    cover_thumb = models.CharField("تصویر کوچک جلد", max_length=255, blank=True, editable=False)
    # compact() of the title: a title hit ranks first.
    search_title = models.TextField("عنوان جست‌وجو", blank=True, editable=False)
    # compact() of title, brand, categories, specifications and options, joined by " | ".
    search_key = models.TextField("کلید جست‌وجو", blank=True, editable=False)
    # normalize() of title, brand and category: words for typo-tolerant matching.
    search_words = models.TextField("واژه‌های جست‌وجو", blank=True, editable=False)
    # --- Denormalised by the reviews services from the approved reviews, in the same
    # transaction as the moderation that changes them (catalog cannot import reviews). ---
    # The average rating in tenths (45 is ۴٫۵), 0 while there is no approved review.
    rating_average = models.PositiveSmallIntegerField(
        "میانگین امتیاز (دهم)", default=0, editable=False
    )
    rating_count = models.PositiveIntegerField(
        "تعداد دیدگاه‌های تأییدشده", default=0, editable=False
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("کالا")
        verbose_name_plural = _("کالاها")
        indexes = [
            models.Index(
                fields=["category", "is_published", "-created_at"], name="product_cat_new"
            ),
            models.Index(
                fields=["category", "is_published", "-in_stock", "price", "-id"],
                name="product_cat_cheap",
            ),
            models.Index(
                fields=["category", "is_published", "-in_stock", "-price", "-id"],
                name="product_cat_dear",
            ),
            # Parent categories list several category ids: the global orders serve them.
            models.Index(
                fields=["is_published", "-in_stock", "price", "-id"], name="product_cheap"
            ),
            models.Index(
                fields=["is_published", "-in_stock", "-price", "-id"], name="product_dear"
            ),
            models.Index(
                fields=["category", "is_published", "-sold_count"], name="product_cat_sold"
            ),
            models.Index(fields=["is_published", "-created_at", "-id"], name="product_new"),
            models.Index(fields=["is_published", "-sold_count", "-id"], name="product_sold"),
            models.Index(
                fields=["category", "is_published", "-rating_average", "-rating_count", "-id"],
                name="product_cat_rated",
            ),
            models.Index(
                fields=["is_published", "-rating_average", "-rating_count", "-id"],
                name="product_rated",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def is_on_sale(self) -> bool:
        """Published and in a category shown with all its ancestors: what a shopper may see
        and buy (the one test that visible() applies to querysets)."""
        return self.is_published and self.category_id not in Category.objects.hidden_ids()

    @property
    def discount_percent(self) -> int:
        if self.compare_at_price and self.compare_at_price > self.price > 0:
            return round(100 * (self.compare_at_price - self.price) / self.compare_at_price)
        return 0


class ProductSpec(models.Model):
    """One specification value of a product, e.g. RAM = «۸ گیگابایت»."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="specs", verbose_name="کالا"
    )
    attribute = models.ForeignKey(
        Attribute, verbose_name=_("ویژگی"), on_delete=models.PROTECT, related_name="specs"
    )
    value = models.CharField(_("مقدار"), max_length=200)
    # normalize(value): facets and filters compare on it, so «۸ گیگ» and «8 گیگ» are one value.
    value_key = models.CharField("کلید مقدار", max_length=200, editable=False)

    class Meta:
        verbose_name = _("مشخصه")
        verbose_name_plural = _("مشخصات")
        constraints = [
            models.UniqueConstraint(fields=["product", "attribute"], name="spec_one_per_attribute")
        ]
        indexes = [models.Index(fields=["attribute", "value_key"], name="spec_attr_value")]

    def __str__(self) -> str:
        return f"{self.attribute_id}: {self.value}"


class VariantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def available(self):
        return self.filter(on_hand__gt=F("reserved"))


class Variant(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name="کالا"
    )
    sku = models.CharField(_("کد کالا (SKU)"), max_length=64, unique=True)
    # [[option name, value], ...] in display order, e.g. [["رنگ", "مشکی"], ["حافظه", "۱۲۸ گیگ"]].
    options = models.JSONField(_("گزینه‌ها"), default=list, blank=True)
    price = models.PositiveBigIntegerField(_("قیمت (ریال)"))
    compare_at_price = models.PositiveBigIntegerField(
        _("قیمت پیش از تخفیف (ریال)"), null=True, blank=True
    )
    on_hand = models.PositiveIntegerField(_("موجودی انبار"), default=0)
    reserved = models.PositiveIntegerField(_("رزروشده"), default=0, editable=False)
    is_active = models.BooleanField(_("فعال"), default=True)
    position = models.PositiveSmallIntegerField(_("ترتیب"), default=0)

    objects = VariantQuerySet.as_manager()

    class Meta:
        verbose_name = _("مدل کالا")
        verbose_name_plural = _("مدل‌های کالا")
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="variant_reserved_within_on_hand"
            ),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=F("price")),
                name="variant_compare_at_above_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.label}".strip()

    @property
    def label(self) -> str:
        return "، ".join(str(value) for _name, value in self.options or [])

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)


def _image_path(instance, filename: str) -> str:  # pragma: no cover - names come from services
    return f"products/{filename}"


class ProductImage(models.Model):
    """WebP renditions made once at upload; the uploaded original is not kept (nor its EXIF)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name="کالا"
    )
    large = models.FileField(_("تصویر"), upload_to=_image_path, max_length=255)
    thumb = models.FileField(_("تصویر کوچک"), upload_to=_image_path, max_length=255)
    width = models.PositiveIntegerField("پهنا", default=0)
    height = models.PositiveIntegerField("بلندی", default=0)
    alt = models.CharField(_("متن جایگزین"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("ترتیب"), default=0)

    class Meta:
        verbose_name = _("تصویر کالا")
        verbose_name_plural = _("تصویرهای کالا")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.large.name


class SearchTerm(models.Model):
    """Every word of the catalog's titles, brands and categories (normalised), once.

    Typo tolerance on PostgreSQL looks a mistyped word up here (a trigram index over a few
    thousand short words) and searches again with the closest real word, instead of comparing
    the query with every product."""

    term = models.CharField("عبارت", max_length=100, unique=True)

    class Meta:
        verbose_name = _("واژهٔ کاتالوگ")
        verbose_name_plural = _("واژه‌های کاتالوگ")

    def __str__(self) -> str:
        return self.term


class ZeroResultQuery(models.Model):
    """How often a normalised query found nothing. No user, IP, session or exact time."""

    query = models.CharField(_("عبارت"), max_length=100, unique=True)
    count = models.PositiveIntegerField(_("تعداد"), default=0)
    first_seen = models.DateField(_("نخستین بار"))
    last_seen = models.DateField(_("آخرین بار"))

    class Meta:
        verbose_name = _("جست‌وجوی بی‌نتیجه")
        verbose_name_plural = _("جست‌وجوهای بی‌نتیجه")
        ordering = ("-count", "query")

    def __str__(self) -> str:
        return self.query


class SearchSynonym(models.Model):
    """Words that mean the same to a shopper: brand aliases («سامسونگ», samsung), common
    names («گوشی», «موبایل», «تلفن همراه»). Staff edit them; the search reads them per catalog
    version, so a change takes effect on the next search without a restart."""

    phrase = models.CharField(_("عبارت"), max_length=100, unique=True)
    # Separated by «،» or ","; a query word equal to the phrase or to any of these matches all.
    equivalents = models.CharField(
        _("هم‌معنی‌ها"),
        max_length=500,
        help_text=_("با ویرگول (، یا ,) جدا کنید؛ مثلاً: سامسونگ، گلکسی (نام لاتین هم پذیرفته است)"),
    )
    is_active = models.BooleanField(_("فعال"), default=True)
    updated_at = models.DateTimeField(_("آخرین ویرایش"), auto_now=True)

    class Meta:
        verbose_name = _("هم‌معنی جست‌وجو")
        verbose_name_plural = _("هم‌معنی‌های جست‌وجو")
        ordering = ("phrase",)

    def __str__(self) -> str:
        return self.phrase

    @property
    def members(self) -> list[str]:
        """The phrase and its equivalents, as written."""
        parts = self.equivalents.replace("،", ",").split(",")
        return [self.phrase, *(p.strip() for p in parts if p.strip())]
