from __future__ import annotations

from django import forms

from metavast.core.identifiers import (
    normalize_company_national_id,
    normalize_economic_number,
    normalize_landline,
    normalize_mobile,
    normalize_postal_code,
)


class OfficialBuyerForm(forms.Form):
    company_name = forms.CharField(label="نام شرکت", max_length=200)
    economic_number = forms.CharField(label="شمارهٔ اقتصادی", max_length=40)
    national_id = forms.CharField(label="شناسهٔ ملی", max_length=40)
    postal_code = forms.CharField(label="کد پستی", max_length=40)
    address = forms.CharField(
        label="نشانی", max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label="تلفن", max_length=40)

    def clean_company_name(self):
        return " ".join(self.cleaned_data["company_name"].split())

    def clean_economic_number(self):
        return normalize_economic_number(self.cleaned_data["economic_number"])

    def clean_national_id(self):
        return normalize_company_national_id(self.cleaned_data["national_id"])

    def clean_postal_code(self):
        return normalize_postal_code(self.cleaned_data["postal_code"])

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        try:
            return normalize_landline(value)
        except forms.ValidationError:
            try:
                return normalize_mobile(value)
            except forms.ValidationError:
                raise forms.ValidationError(
                    "شمارهٔ تلفن معتبر نیست؛ تلفن ثابت با پیش‌شماره یا تلفن همراه وارد کنید.",
                    code="invalid_phone",
                ) from None
