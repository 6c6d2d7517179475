"""Forms of the storefront and the back office. They parse input; services decide."""

from __future__ import annotations

from django import forms

from metavast.reviews import rules
from metavast.reviews.models import RejectReason, ReportReason


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="امتیاز شما",
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="عنوان", max_length=rules.TITLE.maximum * 2)
    body = forms.CharField(label="متن دیدگاه", widget=forms.Textarea(attrs={"rows": 6}))
    pros = forms.CharField(
        label="نقاط قوت (هر مورد در یک خط)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cons = forms.CharField(
        label="نقاط ضعف (هر مورد در یک خط)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def points(self, name: str) -> list[str]:
        return _lines(self.cleaned_data.get(name, ""))


class QuestionForm(forms.Form):
    body = forms.CharField(label="پرسش شما", widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    body = forms.CharField(label="پاسخ", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="دلیل گزارش", choices=ReportReason.choices)


class StaffEditForm(forms.Form):
    title = forms.CharField(label="عنوان", max_length=200)
    body = forms.CharField(label="متن", widget=forms.Textarea(attrs={"rows": 8}))
    pros = forms.CharField(label="نقاط قوت (هر مورد یک خط)", required=False, widget=forms.Textarea)
    cons = forms.CharField(label="نقاط ضعف (هر مورد یک خط)", required=False, widget=forms.Textarea)
    reason = forms.CharField(
        label="دلیل ویرایش",
        max_length=300,
        help_text="به نویسنده نشان داده می‌شود؛ کدام قانون ثبت دیدگاه را رعایت نمی‌کرد.",
    )

    def points(self, name: str) -> list[str]:
        return _lines(self.cleaned_data.get(name, ""))


class ModerateForm(forms.Form):
    reject_reason = forms.ChoiceField(
        label="دلیل رد (از قوانین ثبت دیدگاه)",
        choices=[("", "—"), *RejectReason.choices],
        required=False,
    )


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="دلیل نگهداشت قانونی",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text="حداقل ده نویسه؛ رمزگذاری و در دفتر نگهداشت ثبت می‌شود.",
    )
