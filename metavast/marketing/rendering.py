"""Rendering a campaign: the SMS with «لغو۱۱», its length in parts, the RTL email.

A campaign's text may use {نام} (typed on a Persian keyboard); each recipient's first name
fills it in, and previews use a placeholder instead of any real customer.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.template.loader import render_to_string

from metavast.consent.marketing import PROMO_SMS_SUFFIX, Channel
from metavast.marketing.models import Campaign

# Shown in previews instead of a real customer's name.
PLACEHOLDER_NAME = "مشتری گرامی"
NAME_TOKEN = "{نام}"

# One SMS part: 160 GSM characters, or 70 when any character needs UCS-2 (Persian always
# does). A long message is split into parts of 153 / 67 (the rest is the joining header).
_GSM_SINGLE, _GSM_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67


def sms_text(body: str, *, name: str = PLACEHOLDER_NAME) -> str:
    """The SMS as it is sent: the body, the name filled in, «لغو۱۱» on its own last line."""
    text = body.replace(NAME_TOKEN, name).strip()
    return f"{text}\n{PROMO_SMS_SUFFIX}"


def sms_parts(text: str) -> int:
    """How many SMS parts `text` takes (the suffix included, as the caller passes it)."""
    if all(ord(ch) < 128 for ch in text):
        single, part = _GSM_SINGLE, _GSM_PART
    else:
        single, part = _UCS2_SINGLE, _UCS2_PART
    if len(text) <= single:
        return 1
    return math.ceil(len(text) / part)


def email_html(campaign: Campaign, *, name: str, unsubscribe: str) -> str:
    body_html = campaign.body_html or "<p>" + campaign.body_text.replace("\n", "<br>") + "</p>"
    return render_to_string(
        "marketing/email.html",
        {
            "subject": campaign.subject,
            "shop_name": settings.SHOP_NAME,
            "body_html": body_html.replace(NAME_TOKEN, name),
            "unsubscribe_url": unsubscribe,
        },
    )


def email_text(campaign: Campaign, *, name: str, unsubscribe: str) -> str:
    body = campaign.body_text.replace(NAME_TOKEN, name).strip()
    return f"{body}\n\n--\nلغو اشتراک با یک کلیک: {unsubscribe}"


def campaign_preview(*, campaign: Campaign) -> dict:
    """The campaign rendered for a placeholder customer: never a real one."""
    placeholder_link = "#"
    if campaign.channel == Channel.SMS:
        text = sms_text(campaign.body_text)
        return {
            "channel": campaign.channel,
            "text": text,
            "length": len(text),
            "parts": sms_parts(text),
        }
    return {
        "channel": campaign.channel,
        "subject": campaign.subject,
        "html": email_html(campaign, name=PLACEHOLDER_NAME, unsubscribe=placeholder_link),
        "text": email_text(campaign, name=PLACEHOLDER_NAME, unsubscribe=placeholder_link),
    }
