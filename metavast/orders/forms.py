from __future__ import annotations

from django import forms

from metavast.accounts.forms import set_province_and_city_choices
from metavast.orders.models import InfoField
from metavast.orders.services import InfoAnswer

LTR = {"dir": "ltr", "inputmode": "numeric"}


class InfoAnswerForm(forms.Form):
    """Only the fields staff asked for are shown and required (the service validates)."""

    province = forms.ChoiceField(label="استان", required=False)
    city = forms.ChoiceField(label="شهر", required=False)
    street = forms.CharField(label="خیابان", max_length=200, required=False)
    alley = forms.CharField(label="کوچه", max_length=120, required=False)
    plaque = forms.CharField(label="پلاک", max_length=20, required=False)
    unit = forms.CharField(label="واحد", max_length=20, required=False)
    postal_code = forms.CharField(
        label="کد پستی ده‌رقمی", max_length=32, required=False, widget=forms.TextInput(attrs=LTR)
    )
    receiver_first_name = forms.CharField(label="نام گیرنده", max_length=80, required=False)
    receiver_last_name = forms.CharField(label="نام خانوادگی گیرنده", max_length=80, required=False)
    receiver_mobile = forms.CharField(
        label="تلفن همراه گیرنده",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
    )
    note = forms.CharField(
        label="توضیح شما", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    GROUPS = {
        InfoField.ADDRESS: ("province", "city", "street", "alley", "plaque", "unit"),
        InfoField.POSTAL_CODE: ("postal_code",),
        InfoField.RECEIVER: ("receiver_first_name", "receiver_last_name", "receiver_mobile"),
        InfoField.MOBILE: ("receiver_mobile",),
        InfoField.OTHER: (),
    }

    def __init__(self, *args, request_fields=(), order=None, **kwargs):
        if order is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "province": order.province,
                "city": order.city,
                "street": order.street,
                "alley": order.alley,
                "plaque": order.plaque,
                "unit": order.unit,
                "postal_code": order.postal_code,
                "receiver_first_name": "" if order.receiver_is_self else order.receiver_first_name,
                "receiver_last_name": "" if order.receiver_is_self else order.receiver_last_name,
                "receiver_mobile": order.receiver_mobile,
            }
        super().__init__(*args, **kwargs)
        set_province_and_city_choices(self)
        shown = {"note"}
        for field in request_fields:
            shown.update(self.GROUPS.get(field, ()))
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]

    def to_answer(self) -> InfoAnswer:
        return InfoAnswer(**{k: v or "" for k, v in self.cleaned_data.items()})
