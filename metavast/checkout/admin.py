"""Staff edit the shipping rules and the VAT rate here; checkout reads them as they are."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from metavast.accounts.models import province_choices
from metavast.checkout.models import ShippingMethod, ShippingRate, VatRate


class ShippingRateForm(forms.ModelForm):
    province = forms.ChoiceField(label="استان", required=False)

    class Meta:
        model = ShippingRate
        fields = ("province", "max_weight_grams", "cost")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "همهٔ استان‌های دیگر"), *province_choices()]


class ShippingRateInline(admin.TabularInline):
    model = ShippingRate
    form = ShippingRateForm
    extra = 1


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
class ShippingMethodAdmin(admin.ModelAdmin):
    form = ShippingMethodForm
    list_display = ("name", "code", "allows_cod", "is_active", "position", "rate_count")
    list_editable = ("is_active", "position")
    inlines = (ShippingRateInline,)

    @admin.display(description="تعداد نرخ‌ها")
    def rate_count(self, obj):
        return obj.rates.count()


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ("starts_on", "rate_basis_points", "percent")

    @admin.display(description="درصد")
    def percent(self, obj):
        return f"{obj.rate_basis_points / 100:g}٪"
