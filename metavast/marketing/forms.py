"""Admin forms of campaigns: the segment rules and the schedule (a Jalali date-time)."""

from __future__ import annotations

from django import forms

from metavast.accounts.models import province_choices
from metavast.consent.marketing import Channel
from metavast.core.admin_persian import JalaliDateTimeInput
from metavast.marketing.models import Campaign
from metavast.marketing.rendering import sms_parts, sms_text
from metavast.notifications.rendering import SMS_MAX_LENGTH


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "name",
            "channel",
            "subject",
            "body_text",
            "body_html",
            "category",
            "province",
            "city",
            "last_order_after",
            "last_order_before",
            "cart_abandoned_days",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "province" in self.fields:
            self.fields["province"] = forms.ChoiceField(
                label=self.fields["province"].label,
                required=False,
                choices=[("", "همهٔ استان‌ها"), *province_choices()],
            )
        for name in ("body_text", "subject", "name"):
            if name in self.fields:
                self.fields[name].widget.attrs["dir"] = "rtl"
        if "body_html" in self.fields:
            self.fields["body_html"].widget.attrs["dir"] = "ltr"  # code reads left to right

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        body = data.get("body_text") or ""
        if channel == Channel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "ایمیل بدون موضوع فرستاده نمی‌شود.")
        if channel == Channel.SMS:
            text = sms_text(body)
            if len(text) > SMS_MAX_LENGTH:
                self.add_error(
                    "body_text",
                    f"پیامک با «لغو۱۱» {len(text)} نویسه است؛ بیشینه {SMS_MAX_LENGTH} نویسه.",
                )
            elif sms_parts(text) > 3:
                # Allowed, but each part costs: say so rather than refuse.
                pass
        after, before = data.get("last_order_after"), data.get("last_order_before")
        if after and before and after >= before:
            self.add_error("last_order_before", "«پیش از تاریخ» باید پس از «از تاریخ» باشد.")
        return data


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(label="زمان ارسال (به وقت تهران)", widget=JalaliDateTimeInput)


class ConfirmForm(forms.Form):
    """An empty form: the page is a confirmation with a POST button."""
