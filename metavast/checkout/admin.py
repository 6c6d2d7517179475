"""Staff edit the shipping rules and the VAT rate here; checkout reads them as they are."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction

from metavast.accounts.models import province_choices
from metavast.catalog import cache as catalog_cache
from metavast.checkout.admin_delivery import RecurringWindowForm
from metavast.checkout.delivery_schedule import delivery_windows_open
from metavast.checkout.models import RecurringWindow, ShippingMethod, ShippingRate, VatRate
from metavast.core.admin_money import TomanAdminMixin, toman_formfield
from metavast.core.vat import display_rate_forget


class ShippingRateForm(forms.ModelForm):
    province = forms.ChoiceField(label="استان", required=False)
    # Typed in Toman, kept in Rials, wherever the form is used (core/admin_money.py).
    cost = toman_formfield(ShippingRate._meta.get_field("cost"))

    class Meta:
        model = ShippingRate
        fields = ("province", "max_weight_grams", "cost")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "همهٔ استان‌های دیگر"), *province_choices()]


class ShippingRateInline(TomanAdminMixin, admin.TabularInline):
    """The cost is typed in Toman and kept in Rials (core/admin_money.py)."""

    model = ShippingRate
    form = ShippingRateForm
    extra = 1


class RecurringWindowInline(admin.TabularInline):
    """A courier's daily hours: each becomes a bookable window on each of the coming days
    (checkout/delivery_schedule.py); one day's window is changed under «بازه‌های تحویل»."""

    model = RecurringWindow
    form = RecurringWindowForm
    extra = 0


class ShippingMethodForm(forms.ModelForm):
    cities_text = forms.CharField(
        label="فقط در این شهرها",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="هر شهر در یک سطر، به همان نگارش فهرست شهرها؛ خالی یعنی همه‌جا.",
    )

    class Meta:
        model = ShippingMethod
        fields = (
            "code",
            "name",
            "description",
            "delivery_estimate",
            "allows_cod",
            "needs_delivery_window",
            "max_weight_grams",
            "is_active",
            "position",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cities_text"].initial = "\n".join(self.instance.cities or [])

    def save(self, commit=True):
        text = self.cleaned_data.get("cities_text", "")
        self.instance.cities = [line.strip() for line in text.splitlines() if line.strip()]
        return super().save(commit)


@admin.register(ShippingMethod)
class ShippingMethodAdmin(TomanAdminMixin, admin.ModelAdmin):
    form = ShippingMethodForm
    list_display = ("name", "code", "allows_cod", "is_active", "position", "rate_count")
    list_editable = ("is_active", "position")
    inlines = (ShippingRateInline, RecurringWindowInline)

    @admin.display(description="تعداد نرخ‌ها")
    def rate_count(self, obj):
        return obj.rates.count()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # New daily hours are bookable at once, not at the next hourly run.
        transaction.on_commit(delivery_windows_open)


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ("starts_on", "rate_basis_points", "percent")

    @admin.display(description="درصد")
    def percent(self, obj):
        return f"{obj.rate_basis_points / 100:g}٪"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _rate_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _rate_changed()


def _rate_changed() -> None:
    # Prices on the storefront include VAT: they show the new rate at once, cached pages
    # (built with the old gross prices) included.
    display_rate_forget()
    transaction.on_commit(catalog_cache.bump_catalog)


# Courier delivery windows (a module of their own).
from metavast.checkout import admin_delivery  # noqa: E402, F401
