"""Every system email goes out as text and right-to-left HTML in the shop's look."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail

from metavast.notifications import rendering, services

WHEN = dt.datetime(2025, 11, 26, 10, 0, tzinfo=dt.UTC)
# Every key any email template reads (rendering.py lists them): the unknown ones stay empty.
CONTEXT = {
    "code": "123456",
    "minutes": 2,
    "hours": 48,
    "link": "https://metavast.ir/accounts/email/confirm/gAAAAB-x_y=/",
    "name": "سارا",
    "kind": "email",
    "when": WHEN,
    "order_number": "1404-000123",
    "tracking_code": "TRK42",
    "days": 30,
    "reason": "<b>not bold</b>",
    "amount": 1_250_000,
    "refund_amount": 1_250_000,
    "due_at": WHEN,
    "expires_at": WHEN,
    "product_title": "گوشی 256 گیگابایت",
    "purpose_text": "کد ورود",
    "authority_name": "دادگاه",
    "authority_type": "court",
    "register_id": "12",
    "categories": ["سفارش‌ها"],
    "item": "سفارش",
}


def _email_templates() -> list[str]:
    root = Path(rendering.TEMPLATE_DIR) / "notifications"
    return sorted(
        str(path.relative_to(root)).removesuffix(".email.txt") for path in root.rglob("*.email.txt")
    )


def test_every_email_template_is_found():
    names = _email_templates()
    assert {"accounts/email_confirm", "orders/placed", "privacy/export_ready"} <= set(names)


@pytest.mark.parametrize("name", _email_templates())
def test_every_email_has_an_rtl_html_alternative_with_inline_css(name):
    rendered = rendering.render(name, "email", CONTEXT)
    html = rendered.html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fa" dir="rtl">' in html and '<body dir="rtl"' in html
    assert "Vazirmatn,Tahoma" in html  # the shop's font, with fallbacks a mail client has
    assert "<style" not in html and "<link" not in html and "<script" not in html
    assert "class=" not in html  # inline CSS only: clients drop stylesheets
    assert settings_shop_name() in html
    # Every line of the text body is in the HTML, in order (a link as itself).
    visible = re.sub(r"<[^>]+>", " ", html)
    for line in rendered.body.splitlines():
        for word in line.split():
            if word.startswith("http"):
                assert word in html
            else:
                assert escape(word) in visible, (name, word)
    assert "{{" not in html and "{%" not in html


def settings_shop_name() -> str:
    from django.conf import settings

    return settings.SHOP_NAME


def escape(text: str) -> str:
    from django.utils.html import escape as django_escape

    return django_escape(text)


def test_a_lone_link_is_a_button_and_text_is_escaped():
    rendered = rendering.render(
        "accounts/email_confirm", "email", {"link": "https://metavast.ir/c/?t=1&u=2"}
    )
    assert 'href="https://metavast.ir/c/?t=1&amp;u=2"' in rendered.html
    assert ">تأیید این ایمیل</a>" in rendered.html
    blocks = rendering.text_blocks("سلام\n<b>x</b>\n\nhttps://a.ir/x\n\nببینید https://a.ir/y را")
    assert blocks[1] == {"button": "https://a.ir/x", "label": rendering.DEFAULT_LINK_LABEL}
    assert blocks[2]["lines"][0][1] == {"url": "https://a.ir/y"}
    html = rendering.render_html("orders/placed", "s", "سلام\n<b>x</b>", {})
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


@pytest.mark.django_db
def test_sent_email_is_multipart_text_and_html(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            user=user,
            template="orders/shipped",
            context={"order_number": "1404-17", "tracking_code": "TRK123"},
        )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert "TRK123" in sent.body  # the text part
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html"
    assert 'dir="rtl"' in html and "TRK123" in html and "۱۴۰۴-۱۷" in html
