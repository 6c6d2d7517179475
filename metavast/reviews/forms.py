"""Forms of the storefront and the back office. They parse input; services decide."""

from __future__ import annotations

from django import forms

from metavast.core.text import to_persian_digits
from metavast.reviews import rules
from metavast.reviews.errors import EditReasonRequired
from metavast.reviews.models import RejectReason, ReportReason


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# Each choice is read out whole («۴ از ۵»); the page draws the stars beside it.
RATING_CHOICES = [(n, f"{to_persian_digits(n)} از ۵") for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    # Lengths are the services' to judge (rules.clean_text counts as a Persian reader does and
    # says the limit in Persian digits); the maxlength attribute only stops a runaway paste.
    rating = forms.TypedChoiceField(
        label="امتیاز شما",
        coerce=int,
        choices=RATING_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "امتیاز را انتخاب کنید.",
            "invalid_choice": "امتیاز باید عددی از ۱ تا ۵ باشد.",
        },
    )
    title = forms.CharField(
        label="عنوان",
        widget=forms.TextInput(attrs={"maxlength": rules.TITLE.maximum * 2}),
        error_messages={"required": "عنوان دیدگاه را بنویسید."},
    )
    body = forms.CharField(
        label="متن دیدگاه",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "متن دیدگاه را بنویسید."},
    )
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
    title = forms.CharField(
        label="عنوان", widget=forms.TextInput(attrs={"maxlength": rules.TITLE.maximum * 2})
    )
    body = forms.CharField(label="متن", widget=forms.Textarea(attrs={"rows": 8}))
    pros = forms.CharField(label="نقاط قوت (هر مورد یک خط)", required=False, widget=forms.Textarea)
    cons = forms.CharField(label="نقاط ضعف (هر مورد یک خط)", required=False, widget=forms.Textarea)
    # Its length is checked by the service (review_edit_staff), which names the limit in
    # Persian digits: too short and too long are different mistakes from a missing reason.
    reason = forms.CharField(
        label="دلیل ویرایش",
        widget=forms.TextInput(attrs={"maxlength": rules.EDIT_REASON.maximum}),
        help_text=(
            f"دست‌کم {to_persian_digits(rules.EDIT_REASON.minimum)} نویسه؛ به نویسنده نشان داده"
            " می‌شود: کدام قانون ثبت دیدگاه رعایت نشده بود."
        ),
        error_messages={"required": EditReasonRequired.message},
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
