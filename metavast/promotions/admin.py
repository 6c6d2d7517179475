"""Staff create and edit discount codes here; every save goes through the service (audited).

Dates are typed in Jalali (the Persian admin's date inputs); amounts are typed and shown in
Toman and kept in Rials (core/admin_money.py). A code that has been used cannot be deleted (its redemptions point at orders): staff
switch it off instead, so no delete exists here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from metavast.core.admin_money import TomanField, toman_formfield
from metavast.core.money import format_toman
from metavast.core.text import to_persian_digits
from metavast.promotions import services
from metavast.promotions.models import DiscountCode, DiscountKind
from metavast.promotions.selectors import CODE_PATTERN, normalize_code


def _toman(name: str, **kwargs) -> TomanField:
    return toman_formfield(DiscountCode._meta.get_field(name), **kwargs)


class DiscountCodeForm(forms.ModelForm):
    # Declared here, not left to the admin, so the form types Toman wherever it is used.
    amount = _toman("amount")
    min_cart_total = _toman("min_cart_total")

    class Meta:
        model = DiscountCode
        fields = (
            "code",
            "description",
            "kind",
            "percent",
            "amount",
            "min_cart_total",
            "products",
            "categories",
            "starts_at",
            "ends_at",
            "max_uses",
            "max_uses_per_customer",
            "is_active",
        )

    def clean_code(self):
        code = normalize_code(self.cleaned_data.get("code"))
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(
                "کد باید ۲ تا ۳۲ نویسه از حروف لاتین، رقم، خط تیره یا زیرخط باشد."
            )
        return code

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == DiscountKind.PERCENT:
            percent = data.get("percent")
            if percent is None or not 1 <= percent <= 100:
                self.add_error("percent", "درصد تخفیف باید عددی از ۱ تا ۱۰۰ باشد.")
            data["amount"] = None
        elif kind == DiscountKind.FIXED:
            if not data.get("amount"):
                self.add_error("amount", "مبلغ تخفیف را به تومان بنویسید.")
            data["percent"] = None
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "پایان اعتبار باید پس از آغاز آن باشد.")
        max_uses = data.get("max_uses")
        if max_uses is not None and self.instance.pk and max_uses < self.instance.used_count:
            self.add_error(
                "max_uses",
                f"این کد تاکنون {to_persian_digits(self.instance.used_count)} بار استفاده شده است؛ "
                "سقف نمی‌تواند کمتر باشد.",
            )
        return data


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    form = DiscountCodeForm
    list_display = (
        "code",
        "kind",
        "value_display",
        "starts_at",
        "ends_at",
        "uses_display",
        "is_active",
    )
    list_filter = ("is_active", "kind")
    search_fields = ("code", "description")
    filter_horizontal = ("products", "categories")
    readonly_fields = ("used_count", "created_at")
    fieldsets = (
        (None, {"fields": ("code", "description", "is_active")}),
        ("تخفیف", {"fields": ("kind", "percent", "amount", "min_cart_total")}),
        ("کالاها (خالی: همهٔ کالاها)", {"fields": ("products", "categories")}),
        ("اعتبار", {"fields": ("starts_at", "ends_at")}),
        ("سقف استفاده", {"fields": ("max_uses", "max_uses_per_customer", "used_count")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="مقدار")
    def value_display(self, obj):
        if obj.kind == DiscountKind.PERCENT:
            return f"٪{to_persian_digits(obj.percent or 0)}"
        return format_toman(obj.amount or 0)

    @admin.display(description="استفاده")
    def uses_display(self, obj):
        cap = "نامحدود" if obj.max_uses is None else to_persian_digits(obj.max_uses)
        return f"{to_persian_digits(obj.used_count)} از {cap}"

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = services.discount_code_snapshot(DiscountCode.objects.get(pk=obj.pk))
        services.discount_code_save(
            code=obj,
            actor=request.user,
            products=form.cleaned_data.get("products"),
            categories=form.cleaned_data.get("categories"),
            before=before,
        )

    def save_related(self, request, form, formsets, change):
        # The service set the products and categories with the code, in its audit event.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
