from __future__ import annotations

from django import forms

from metavast.accounts.forms import AddressPlaceForm, ReceiverFields


class NewAddressForm(AddressPlaceForm):
    """A new address for the book: the place only. The receiver is chosen separately and
    stays on the order (P4)."""


class ReceiverForm(ReceiverFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver_is_self"].label = "گیرندهٔ سفارش"
        self.fields[
            "receiver_mobile"
        ].help_text = "فقط برای رساندن همین سفارش به کار می‌رود و در حساب شما ذخیره نمی‌شود."


class ShippingForm(forms.Form):
    method = forms.TypedChoiceField(label="روش ارسال", coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, quotes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(str(q.method.pk), q.method.name) for q in quotes]
