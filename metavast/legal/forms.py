from __future__ import annotations

import datetime as dt
import re
import secrets

import jdatetime
from django import forms

from metavast.core.jalali import format_jalali_numeric
from metavast.core.text import to_ascii_digits
from metavast.legal.errors import ScopeInvalid
from metavast.legal.models import AuthorityType, DataCategory
from metavast.legal.services import MIN_PASSPHRASE_LENGTH, customers_resolve

_JALALI = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


class JalaliDateField(forms.CharField):
    """A date typed as Jalali «۱۴۰۵/۰۹/۱۲» (Persian or Latin digits); cleans to a `date`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "به تاریخ شمسی، مانند ۱۴۰۵/۰۹/۱۲")
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "size": 12}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return format_jalali_numeric(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = _JALALI.match(to_ascii_digits(value))
        if match is None:
            raise forms.ValidationError("تاریخ را به شکل سال/ماه/روز شمسی بنویسید.")
        try:
            return jdatetime.date(*(int(part) for part in match.groups())).togregorian()
        except ValueError:
            raise forms.ValidationError("چنین تاریخ شمسی‌ای وجود ندارد.") from None


class DisclosureRequestForm(forms.Form):
    authority_name = forms.CharField(label="مرجع درخواست‌کننده", max_length=200)
    authority_type = forms.ChoiceField(label="نوع مرجع", choices=AuthorityType.choices)
    letter_number = forms.CharField(label="شمارهٔ نامه", max_length=100)
    letter_date = JalaliDateField(label="تاریخ نامه")
    legal_basis = forms.CharField(
        label="مبنای قانونی", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    customers = forms.CharField(
        label="مشتریان در دامنه",
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text="در هر سطر یکی: شناسهٔ مشتری، تلفن همراه تأییدشده (با صفر آغازین) یا ایمیل تأییدشده.",
    )
    categories = forms.MultipleChoiceField(
        label="دسته‌های داده",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = JalaliDateField(label="آغاز بازهٔ زمانی")
    period_end = JalaliDateField(label="پایان بازهٔ زمانی")
    notify_customers = forms.BooleanField(
        label="پس از افشا به مشتری اطلاع داده شود", required=False, initial=True
    )
    no_notice_reason = forms.CharField(
        label="علت اطلاع‌ندادن (بند حکم مرجع)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )

    def clean_customers(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["customers"].splitlines()]
        lines = [line for line in lines if line]
        try:
            customers_resolve(lines)
        except ScopeInvalid as exc:
            shown = "، ".join(exc.fields.get("customers", []))
            raise forms.ValidationError(f"{exc.message} {shown}".strip()) from None
        return lines

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", "پایان بازه باید پس از آغاز آن باشد.")
        if not data.get("notify_customers") and not (data.get("no_notice_reason") or "").strip():
            self.add_error("no_notice_reason", "وقتی به مشتری اطلاع داده نمی‌شود، علت آن لازم است.")
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="یادداشت", required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    note = forms.CharField(label="علت رد", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


def new_passphrase() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 bits


class DownloadForm(forms.Form):
    passphrase = forms.CharField(
        label="رمز بسته",
        min_length=MIN_PASSPHRASE_LENGTH,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "ltr", "size": 40, "autocomplete": "off"}),
        help_text="این رمز را اکنون یادداشت کنید: جایی نگه داشته نمی‌شود و دوباره نشان داده نمی‌شود. "
        "آن را از راهی جدا از خود بسته به مرجع بدهید.",
    )
