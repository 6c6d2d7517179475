"""Staff screens for the catalog.

Writes that matter (prices, stock, images, search keys) go through the services even from
the admin: the variant inline routes price and stock edits to `variant_set_price` and
`stock_set` (audited), images to `product_image_add`, and every save ends with
`product_refresh` so listings, search and caches follow.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from metavast.catalog import search
from metavast.catalog.errors import InvalidImage
from metavast.catalog.models import (
    Attribute,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductSpec,
    Variant,
    ZeroResultQuery,
)
from metavast.catalog.resources import VariantResource
from metavast.catalog.services import (
    category_changed,
    product_image_add,
    product_image_delete,
    product_refresh,
    products_bulk_price_change,
    products_bulk_stock_set,
    stock_set,
    variant_set_price,
)
from metavast.catalog.services.images import MAX_UPLOAD_BYTES, render_renditions
from metavast.core.admin_money import TomanAdminMixin
from metavast.core.errors import DomainError
from metavast.core.money import format_toman
from metavast.core.text import normalize


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    form = movenodeform_factory(
        Category, fields=["name", "slug", "description", "is_visible", "is_featured", "position"]
    )
    list_display = ("name", "slug", "is_visible", "is_featured")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        category_changed(category=Category.objects.get(pk=obj.pk))


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "name_latin", "slug")
    search_fields = ("name", "name_latin", "slug")

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        product_refresh(product_ids=list(obj.products.values_list("id", flat=True)))


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_filterable", "position")
    list_editable = ("is_filterable", "position")
    search_fields = ("name", "slug")


class VariantInline(TomanAdminMixin, admin.TabularInline):
    """Prices are typed in Toman, like every amount staff read (core/admin_money.py)."""

    model = Variant
    extra = 0
    fields = (
        "sku",
        "options",
        "price",
        "compare_at_price",
        "on_hand",
        "reserved",
        "is_active",
        "position",
    )
    readonly_fields = ("reserved",)


class SpecInline(admin.TabularInline):
    model = ProductSpec
    extra = 1
    fields = ("attribute", "value")
    autocomplete_fields = ("attribute",)


class ProductImageForm(forms.ModelForm):
    upload = forms.FileField(label=_("فایل تصویر"), required=False)

    class Meta:
        model = ProductImage
        fields = ("alt", "position")

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("تصویر بیش از حد بزرگ است."))
        try:
            render_renditions(upload.read())
        except InvalidImage as error:
            raise ValidationError(str(error.message)) from None
        upload.seek(0)
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "upload", "alt", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("پیش‌نمایش"))
    def preview(self, obj):
        if not obj.pk or not obj.thumb:
            return "—"
        return format_html('<img src="{}" alt="" width="80" height="80">', obj.thumb.url)


class BulkPriceForm(forms.Form):
    percent = forms.IntegerField(
        label=_("درصد تغییر قیمت"),
        min_value=-90,
        max_value=500,
        help_text=_("مثلاً ۱۰ برای ده درصد گران‌تر و ۱۰- برای ده درصد ارزان‌تر"),
    )


class BulkStockForm(forms.Form):
    on_hand = forms.IntegerField(label=_("موجودی انبار هر مدل"), min_value=0, max_value=1_000_000)


def _bulk_form_page(modeladmin, request, queryset, form_class, title, apply):
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        try:
            count = apply(list(queryset.values_list("id", flat=True)), form.cleaned_data)
        except DomainError as error:
            modeladmin.message_user(request, str(error.message), messages.ERROR)
        else:
            modeladmin.message_user(
                request, _("%(n)s مدل کالا به‌روز شد.") % {"n": count}, messages.SUCCESS
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/catalog/product/bulk_edit.html", context)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "category",
        "brand_name",
        "price_toman",
        "in_stock",
        "is_published",
        "sold_count",
    )
    list_filter = ("is_published", "in_stock", "is_featured", "brand")
    list_select_related = ("category",)
    search_fields = ("title",)
    search_help_text = _("جست‌وجو در عنوان، برند، دسته و مشخصات (ی/ي و ک/ك یکی‌اند)")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("brand",)
    fields = (
        "title",
        "slug",
        "category",
        "brand",
        "description",
        "is_published",
        "is_featured",
        "price",
        "in_stock",
        "sold_count",
    )
    readonly_fields = ("price", "in_stock", "sold_count")
    inlines = (VariantInline, SpecInline, ProductImageInline)
    actions = ("bulk_price", "bulk_stock")
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("قیمت"), ordering="price")
    def price_toman(self, obj):
        return format_toman(obj.price)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search.matching(queryset, search_term), False

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product_refresh(product_ids=[form.instance.pk])

    def save_formset(self, request, form, formset, change):
        if formset.model is Variant:
            self._save_variants(request, form.instance, formset)
        elif formset.model is ProductImage:
            self._save_images(form.instance, formset)
        elif formset.model is ProductSpec:
            for spec in formset.save(commit=False):
                spec.value_key = normalize(spec.value)
                spec.save()
            for spec in formset.deleted_objects:
                spec.delete()
        else:
            formset.save()

    def _save_variants(self, request, product, formset):
        for variant in formset.save(commit=False):
            if variant.pk is None:
                variant.product = product
                variant.save()
                continue
            current = Variant.objects.get(pk=variant.pk)
            try:
                if (variant.price, variant.compare_at_price) != (
                    current.price,
                    current.compare_at_price,
                ):
                    variant_set_price(
                        variant=current,
                        price=variant.price,
                        compare_at_price=variant.compare_at_price,
                        actor=request.user,
                    )
                if variant.on_hand != current.on_hand:
                    stock_set(variant_id=current.pk, on_hand=variant.on_hand, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{variant.sku}: {error.message}", messages.ERROR)
            Variant.objects.filter(pk=variant.pk).update(
                sku=variant.sku,
                options=variant.options,
                is_active=variant.is_active,
                position=variant.position,
            )
        for variant in formset.deleted_objects:
            variant.delete()

    def _save_images(self, product, formset):
        # The admin's change message reads these lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for image_form in formset.forms:
            if not image_form.has_changed() or image_form in formset.deleted_forms:
                continue
            upload = image_form.cleaned_data.get("upload")
            if image_form.instance.pk is None:
                if upload is not None:
                    image = product_image_add(
                        product=product,
                        upload=upload,
                        alt=image_form.cleaned_data.get("alt", ""),
                        position=image_form.cleaned_data.get("position") or 0,
                    )
                    formset.new_objects.append(image)
            else:
                formset.changed_objects.append((image_form.save(), image_form.changed_data))
        for image_form in formset.deleted_forms:
            if image_form.instance.pk:
                formset.deleted_objects.append(image_form.instance)
                product_image_delete(image=image_form.instance)

    @admin.action(description=_("تغییر گروهی قیمت (درصدی)"), permissions=("change",))
    def bulk_price(self, request, queryset):
        return _bulk_form_page(
            self,
            request,
            queryset,
            BulkPriceForm,
            _("تغییر گروهی قیمت"),
            lambda ids, data: products_bulk_price_change(
                product_ids=ids, percent=data["percent"], actor=request.user
            ),
        )

    @admin.action(description=_("تنظیم گروهی موجودی"), permissions=("change",))
    def bulk_stock(self, request, queryset):
        return _bulk_form_page(
            self,
            request,
            queryset,
            BulkStockForm,
            _("تنظیم گروهی موجودی"),
            lambda ids, data: products_bulk_stock_set(
                product_ids=ids, on_hand=data["on_hand"], actor=request.user
            ),
        )


@admin.register(Variant)
class VariantAdmin(ImportExportMixin, admin.ModelAdmin):
    """The CSV import/export screen (one row per variant); edits go through the product."""

    resource_classes = [VariantResource]
    list_display = ("sku", "product", "price", "on_hand", "reserved", "is_active")
    list_select_related = ("product",)
    search_fields = ("sku",)
    readonly_fields = ("product", "sku", "price", "compare_at_price", "on_hand", "reserved")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


@admin.register(ZeroResultQuery)
class ZeroResultQueryAdmin(admin.ModelAdmin):
    """The report of searches that found nothing, most frequent first."""

    list_display = ("query", "count", "first_seen", "last_seen")
    search_fields = ("query",)
    ordering = ("-count", "query")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from metavast.catalog import admin_search  # noqa: E402, F401  (the search synonyms)
