"""Web forms: parse and check what people type; the services do the rest."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from metavast.accounts.models import iran_divisions, province_choices
from metavast.accounts.services.addresses import AddressInput
from metavast.core.identifiers import normalize_mobile, normalize_national_code
from metavast.core.text import to_ascii_digits
from metavast.core.validators import validate_person_name

LTR_TEL = {"dir": "ltr", "inputmode": "tel", "autocomplete": "tel", "placeholder": "۰۹۱۲۳۴۵۶۷۸۹"}


def name_field(label: str, *, required: bool) -> forms.CharField:
    """A person's name: letters, spaces, ZWNJ, hyphen and apostrophe; no emoji or symbols."""
    return forms.CharField(
        label=label,
        max_length=80,
        required=required,
        validators=[validate_person_name],
        error_messages={"required": f"{label} را بنویسید."},
    )


def set_province_and_city_choices(form: forms.Form) -> None:
    """Fill a form's `province` and `city` choices: every province, whose select reloads the
    city list (htmx) when it changes, and the cities of the province sent or first shown."""
    form.fields["province"].choices = [("", "انتخاب استان"), *province_choices()]
    form.fields["province"].widget.attrs.update(
        {
            "hx-get": "/accounts/addresses/cities/",
            "hx-target": "#id_city",
            "hx-swap": "innerHTML",
        }
    )
    province = form.data.get("province") or form.initial.get("province") or ""
    cities = iran_divisions().get(province, {}).get("cities", [])
    form.fields["city"].choices = [("", "انتخاب شهر")] + [(c, c) for c in cities]


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label="شمارهٔ تلفن همراه", max_length=64, widget=forms.TextInput(attrs=LTR_TEL)
    )

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label="کد پیامک‌شده",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "dir": "ltr",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "placeholder": "------",
            }
        ),
    )

    def clean_code(self):
        code = to_ascii_digits(self.cleaned_data["code"]).strip()
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError("کد شش رقم است.", code="invalid")
        return code


class PasswordSigninForm(forms.Form):
    username = forms.CharField(
        label="تلفن همراه یا ایمیل",
        max_length=254,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="گذرواژه",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "current-password"}),
    )


class NewPasswordForm(forms.Form):
    """A new password twice, checked against the validators (length, common lists)."""

    new_password1 = forms.CharField(
        label="گذرواژهٔ تازه",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"}),
        help_text="دست‌کم ۸ و حداکثر ۱۲۸ نویسه؛ گذرواژهٔ رایج پذیرفته نمی‌شود.",
    )
    new_password2 = forms.CharField(
        label="تکرار گذرواژهٔ تازه",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"}),
    )
    password_required = True

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.password_required:
            self.fields["new_password1"].required = False
            self.fields["new_password2"].required = False

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 or p2:
            if p1 != p2:
                self.add_error("new_password2", "دو گذرواژه یکسان نیستند.")
            elif p1:
                try:
                    validate_password(p1, self.user)
                except ValidationError as exc:
                    self.add_error("new_password1", exc)
        return cleaned


class WelcomeForm(NewPasswordForm):
    first_name = name_field("نام", required=False)
    last_name = name_field("نام خانوادگی", required=False)
    password_required = False
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]

    def clean(self):
        # Judge the password against the names being set now, not the empty ones: the
        # similarity validator would otherwise pass here and fail when it is saved.
        first, last = self.cleaned_data.get("first_name"), self.cleaned_data.get("last_name")
        if first and not last and "last_name" not in self.errors:
            self.add_error("last_name", "نام خانوادگی را هم بنویسید.")
        elif last and not first and "first_name" not in self.errors:
            self.add_error("first_name", "نام را هم بنویسید.")
        if self.user is not None:
            candidate = copy.copy(self.user)
            candidate.first_name = self.cleaned_data.get("first_name") or self.user.first_name
            candidate.last_name = self.cleaned_data.get("last_name") or self.user.last_name
            self.user = candidate
        return super().clean()


class PasswordResetCodeForm(CodeForm, NewPasswordForm):
    field_order = ["code", "new_password1", "new_password2"]


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label="تلفن همراه یا ایمیل",
        max_length=254,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "username"}),
    )


class CurrentPasswordForm(forms.Form):
    password = forms.CharField(
        label="گذرواژهٔ فعلی",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    # Both names are required: an empty profile saved nothing and showed «—» on invoices.
    first_name = name_field("نام", required=True)
    last_name = name_field("نام خانوادگی", required=True)
    national_code = forms.CharField(
        label="کد ملی (اختیاری، برای فاکتور)",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}),
    )

    def clean_national_code(self):
        # Here as well as in the service: every mistake of the form shows at once.
        value = self.cleaned_data["national_code"].strip()
        return normalize_national_code(value) if value else ""


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="ایمیل تازه",
        max_length=254,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )


class LandlineForm(forms.Form):
    landline = forms.CharField(
        label="تلفن ثابت با پیش‌شماره",
        max_length=64,
        required=False,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "inputmode": "tel", "placeholder": "۰۲۱۸۸۷۷۶۶۵۵"}
        ),
    )


class ReceiverFields(forms.Form):
    """Who receives: the customer, or another person (P4). The address book and checkout's
    receiver step both ask it this way."""

    receiver_is_self = forms.TypedChoiceField(
        label="گیرنده",
        choices=[("1", "خودم"), ("0", "شخص دیگری")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    receiver_first_name = name_field("نام گیرنده", required=False)
    receiver_last_name = name_field("نام خانوادگی گیرنده", required=False)
    receiver_mobile = forms.CharField(
        label="تلفن همراه گیرنده",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs=LTR_TEL),
    )


class AddressPlaceForm(forms.Form):
    """Where: the place alone (checkout asks for the receiver in its own step)."""

    label = forms.CharField(label="عنوان (مثلاً خانه، محل کار)", max_length=40, required=False)
    province = forms.ChoiceField(label="استان")
    city = forms.ChoiceField(label="شهر")
    street = forms.CharField(label="خیابان", max_length=200)
    alley = forms.CharField(label="کوچه", max_length=120, required=False)
    plaque = forms.CharField(label="پلاک", max_length=20)
    unit = forms.CharField(label="واحد", max_length=20, required=False)
    postal_code = forms.CharField(
        label="کد پستی ده‌رقمی",
        max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_province_and_city_choices(self)

    def _place(self) -> dict:
        d = self.cleaned_data
        return {
            "province": d["province"],
            "city": d["city"],
            "street": d["street"],
            "alley": d.get("alley", ""),
            "plaque": d["plaque"],
            "unit": d.get("unit", ""),
            "postal_code": d["postal_code"],
            "label": d.get("label", ""),
        }

    def to_input(self) -> AddressInput:
        return AddressInput(**self._place())


class AddressForm(AddressPlaceForm, ReceiverFields):
    is_default = forms.BooleanField(label="نشانی پیش‌فرض من باشد", required=False)
    field_order = [
        *AddressPlaceForm.base_fields,
        *ReceiverFields.base_fields,
        "is_default",
    ]

    def to_input(self) -> AddressInput:
        d = self.cleaned_data
        return AddressInput(
            **self._place(),
            receiver_is_self=d["receiver_is_self"],
            receiver_first_name=d.get("receiver_first_name", ""),
            receiver_last_name=d.get("receiver_last_name", ""),
            receiver_mobile=d.get("receiver_mobile", ""),
            is_default=d.get("is_default", False),
        )


class TotpForm(forms.Form):
    token = forms.CharField(
        label="کد شش‌رقمی برنامهٔ احراز هویت",
        max_length=12,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
    )


class StaffSecondFactorForm(forms.Form):
    """The staff sign-in's second step: a TOTP code, or one of the twelve-digit backup codes."""

    token = forms.CharField(
        label="کد شش‌رقمی برنامهٔ احراز هویت یا یک کد پشتیبان دوازده‌رقمی",
        max_length=32,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
    )
