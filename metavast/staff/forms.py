from __future__ import annotations

from django import forms

from metavast.staff.roles import ROLES


class RoleAssignForm(forms.Form):
    email = forms.EmailField(label="ایمیل کارمند")
    role = forms.ChoiceField(label="نقش", choices=[(r.key, r.name) for r in ROLES])
    operation = forms.ChoiceField(
        label="کار", choices=[("assign", "دادن نقش"), ("remove", "گرفتن نقش")], initial="assign"
    )


class AccessHistoryFilterForm(forms.Form):
    person = forms.TypedChoiceField(label="کارمند", required=False, coerce=int, empty_value=None)
    since = forms.CharField(label="از تاریخ (۱۴۰۵/۰۹/۰۱)", required=False, max_length=10)
    until = forms.CharField(label="تا تاریخ", required=False, max_length=10)

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "همه"), *staff_choices]
