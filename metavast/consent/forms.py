from __future__ import annotations

from django import forms

from metavast.consent.marketing import MARKETING_CONSENT_TEXT, Channel
from metavast.consent.models import OPTIONAL_CATEGORIES

ACCEPT_ALL = "all"
NECESSARY_ONLY = "necessary"
SAVE = "save"


class CookieChoiceForm(forms.Form):
    """The banner's two buttons and the settings page's checkboxes post to the same view."""

    decision = forms.ChoiceField(
        choices=[(ACCEPT_ALL, ACCEPT_ALL), (NECESSARY_ONLY, NECESSARY_ONLY), (SAVE, SAVE)]
    )
    categories = forms.MultipleChoiceField(
        choices=[(c, c) for c in OPTIONAL_CATEGORIES], required=False
    )
    next = forms.CharField(required=False, max_length=2000)

    def granted(self, in_use: list[str]) -> list[str]:
        decision = self.cleaned_data["decision"]
        if decision == ACCEPT_ALL:
            return list(in_use)
        if decision == NECESSARY_ONLY:
            return []
        return list(self.cleaned_data["categories"])


class MarketingConsentForm(forms.Form):
    """The two per-channel boxes, unticked unless the customer already agreed (profile).

    Sign-up and checkout embed the same fields (`marketing_email`, `marketing_sms`)."""

    marketing_email = forms.BooleanField(required=False)
    marketing_sms = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marketing_email"].label = MARKETING_CONSENT_TEXT[Channel.EMAIL]
        self.fields["marketing_sms"].label = MARKETING_CONSENT_TEXT[Channel.SMS]

    def choices(self) -> dict[str, bool]:
        return {
            "email": bool(self.cleaned_data.get("marketing_email")),
            "sms": bool(self.cleaned_data.get("marketing_sms")),
        }
