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
    # A courier's day and time window; which windows belong to which method is the
    # service's to check (the page shows each method's windows under it).
    window = forms.TypedChoiceField(
        label="روز و ساعت تحویل", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, quotes=(), windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(str(q.method.pk), q.method.name) for q in quotes]
        self.fields["window"].choices = [
            (str(w.pk), w.label)
            for method_windows in (windows or {}).values()
            for w in method_windows
        ]
        self.fields["window"].error_messages["invalid_choice"] = (
            "این بازهٔ تحویل دیگر در دسترس نیست؛ بازهٔ دیگری انتخاب کنید."
        )
