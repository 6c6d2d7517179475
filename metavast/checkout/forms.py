from __future__ import annotations

from django import forms

from metavast.accounts.forms import AddressForm
from metavast.accounts.services.addresses import AddressInput

LTR_TEL = {"dir": "ltr", "inputmode": "tel", "autocomplete": "tel"}


class NewAddressForm(AddressForm):
    """A new address for the book: the place only. The receiver is chosen separately and
    stays on the order (P4)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "receiver_is_self",
            "receiver_first_name",
            "receiver_last_name",
            "receiver_mobile",
            "is_default",
        ):
            del self.fields[name]

    def to_input(self) -> AddressInput:
        d = self.cleaned_data
        return AddressInput(
            province=d["province"],
            city=d["city"],
            street=d["street"],
            alley=d.get("alley", ""),
            plaque=d["plaque"],
            unit=d.get("unit", ""),
            postal_code=d["postal_code"],
            label=d.get("label", ""),
        )


class ReceiverForm(forms.Form):
    receiver_is_self = forms.TypedChoiceField(
        label="گیرندهٔ سفارش",
        choices=[("1", "خودم"), ("0", "شخص دیگری")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    receiver_first_name = forms.CharField(label="نام گیرنده", max_length=80, required=False)
    receiver_last_name = forms.CharField(label="نام خانوادگی گیرنده", max_length=80, required=False)
    receiver_mobile = forms.CharField(
        label="تلفن همراه گیرنده",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs=LTR_TEL),
        help_text="فقط برای رساندن همین سفارش به کار می‌رود و در حساب شما ذخیره نمی‌شود.",
    )


class ShippingForm(forms.Form):
    method = forms.TypedChoiceField(label="روش ارسال", coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, quotes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(str(q.method.pk), q.method.name) for q in quotes]
