"""Every template the other apps rely on exists, renders in Persian and fits an SMS."""

from __future__ import annotations

import datetime as dt

import pytest

from metavast.notifications import rendering

WHEN = dt.datetime(2025, 11, 26, 10, 0, tzinfo=dt.UTC)
ORDER = {"order_number": "1404-000123"}

# name -> (channels, context)
TEMPLATES = {
    "accounts/otp_code": ({"email", "sms"}, {"code": "123456", "minutes": 2}),
    "accounts/email_confirm": (
        {"email"},
        {"link": "https://metavast.ir/c/?t=1&u=2", "name": "سارا"},
    ),
    "accounts/contact_changed": ({"email", "sms"}, {"kind": "mobile", "when": WHEN}),
    "accounts/password_changed": ({"email", "sms"}, {"when": WHEN}),
    "accounts/password_reset": ({"email", "sms"}, {"code": "654321", "minutes": 10}),
    "orders/placed": ({"email", "sms"}, ORDER),
    "orders/paid": ({"email", "sms"}, ORDER),
    "orders/info_requested": ({"email", "sms"}, ORDER),
    "orders/shipped": ({"email", "sms"}, {**ORDER, "tracking_code": "TRK42"}),
    "orders/delivered": ({"email", "sms"}, ORDER),
    "orders/receiver_shipping": (
        {"sms"},
        {**ORDER, "tracking_code": "TRK42", "shop_name": "متاوست"},
    ),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_renders_for_exactly_its_channels(name):
    channels, context = TEMPLATES[name]

    for channel in ("email", "sms"):
        assert rendering.has_channel(name, channel) == (channel in channels), channel
    for channel in channels:
        rendered = rendering.render(name, channel, context)
        assert rendered.body and "{{" not in rendered.body and "{%" not in rendered.body
        assert "متاوست" in rendered.body
        assert "&amp;" not in rendered.body
        if channel == "sms":
            assert len(rendered.body) <= rendering.SMS_MAX_LENGTH
            assert rendered.subject == ""
        else:
            assert rendered.subject and "\n" not in rendered.subject


def test_dates_are_jalali_in_tehran_time():
    rendered = rendering.render("accounts/password_changed", "sms", {"when": WHEN})

    assert "۵ آذر ۱۴۰۴، ساعت ۱۳:۳۰" in rendered.body


@pytest.mark.parametrize(("kind", "label"), [("email", "ایمیل"), ("mobile", "شمارهٔ تلفن همراه")])
def test_contact_changed_names_the_contact(kind, label):
    rendered = rendering.render("accounts/contact_changed", "sms", {"kind": kind, "when": WHEN})

    assert rendered.body.splitlines()[1].startswith(label)


def test_password_reset_by_link():
    rendered = rendering.render(
        "accounts/password_reset",
        "email",
        {"link": "https://metavast.ir/r/?a=1&b=2", "minutes": 15},
    )

    assert "https://metavast.ir/r/?a=1&b=2" in rendered.body
    assert "۱۵ دقیقه" in rendered.body


def test_shipped_without_a_tracking_code():
    rendered = rendering.render("orders/shipped", "sms", ORDER)

    assert "رهگیری" not in rendered.body


def test_missing_channel_template_is_a_clear_error():
    with pytest.raises(rendering.TemplateMissing) as missing:
        rendering.render("accounts/email_confirm", "sms", {})

    assert "accounts/email_confirm" in missing.value.message
    assert missing.value.fields == {"template": ["accounts/email_confirm"], "channel": ["sms"]}
