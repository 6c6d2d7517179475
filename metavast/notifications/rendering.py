"""Persian message templates and their context keys.

Each message has one template per channel under ``templates/notifications/``:
``<name>.subject.txt`` and ``<name>.email.txt`` for email, ``<name>.sms.txt`` for SMS. A
channel whose file is missing is not offered for that name. Templates are plain text
(no HTML escaping) and can use the Persian filters (``fa_digits``, ``jdatetime``...).
Every template also receives ``shop_name``.

Names and the context each one expects:

- ``accounts/otp_code``: ``code`` (six digits), ``minutes`` (validity); optional
  ``purpose_text`` (what the code is for) and ``webotp_domain`` (the SMS then ends with the
  WebOTP line ``@domain #code``). SMS, email.
- ``accounts/email_confirm``: ``link`` (absolute URL), ``name`` (may be empty). Email.
- ``accounts/contact_changed``: ``kind`` ("email", "mobile" or "landline"), ``when``
  (aware datetime). SMS, email. Sent to the *old* contact too, by the caller.
- ``accounts/password_changed``: ``when`` (aware datetime). SMS, email.
- ``accounts/password_reset``: ``code`` or ``link``, ``minutes``. SMS, email.
- ``orders/placed``: ``order_number``, ``cash_on_delivery`` (paid at the door). SMS, email.
- ``orders/paid``, ``orders/delivered``: ``order_number``. SMS, email.
- ``orders/info_requested``: ``order_number``, ``link`` (optional: where to answer). SMS, email.
- ``orders/shipped``: ``order_number``, ``tracking_code`` (optional). SMS, email.
- ``orders/receiver_shipping``: ``order_number``, ``tracking_code``, ``shop_name``. SMS only;
  the one message an order's receiver may get (P4), through ``send_to_address``.

Keep personal data out of subjects: they are stored unencrypted and shown to staff.

Every email goes out as text *and* HTML (multipart/alternative): a plain-text-only mail is
shown left to right by most clients, which garbles Persian punctuation and numbers. The HTML
part is ``<name>.email.html`` when a message has one, else the text body poured into the
shop's one layout (``notifications/_email_layout.html``): ``dir="rtl"``, inline CSS only (mail
clients drop ``<style>`` and external sheets), Vazirmatn with system fallbacks, paragraphs as
written, and a link that stands alone on its line shown as a button (``LINK_LABELS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist

from metavast.notifications.errors import TemplateMissing
from metavast.notifications.models import Channel

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Kavenegar refuses longer messages (its code 413).
SMS_MAX_LENGTH = 900


# The button text of a link standing alone in a message, by template; others say «باز کردن پیوند».
LINK_LABELS: dict[str, str] = {
    "accounts/email_confirm": "تأیید این ایمیل",
    "accounts/password_reset": "گذاشتن گذرواژهٔ تازه",
    "orders/info_requested": "پاسخ به درخواست",
    "privacy/export_ready": "دریافت داده‌های من",
}
DEFAULT_LINK_LABEL = "باز کردن پیوند"
_URL = re.compile(r"https?://[^\s<>«»\"']+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str = ""  # email only: the HTML alternative of `body`


@lru_cache(maxsize=1)
def _engine() -> Engine:
    # A separate engine because these are text, not HTML: a link's "&" must stay "&".
    return Engine(
        dirs=[settings.BASE_DIR / "templates", TEMPLATE_DIR],
        autoescape=False,
        builtins=["metavast.core.templatetags.persian"],
    )


@lru_cache(maxsize=1)
def _html_engine() -> Engine:
    # HTML emails escape what they insert: a name or a reason is text, never markup.
    return Engine(
        dirs=[settings.BASE_DIR / "templates", TEMPLATE_DIR],
        autoescape=True,
        builtins=["metavast.core.templatetags.persian"],
    )


def _get(path: str):
    try:
        return _engine().get_template(path)
    except TemplateDoesNotExist:
        return None


def _split_urls(line: str) -> list[dict]:
    """A line as pieces of text and links, for the layout to mark up."""
    pieces, start = [], 0
    for match in _URL.finditer(line):
        if match.start() > start:
            pieces.append({"text": line[start : match.start()]})
        pieces.append({"url": match.group(0)})
        start = match.end()
    if start < len(line):
        pieces.append({"text": line[start:]})
    return pieces


def text_blocks(body: str, *, link_label: str = DEFAULT_LINK_LABEL) -> list[dict]:
    """The text body as the layout's blocks: a paragraph per blank-line-separated run (its
    lines kept), and a button for a link that stands alone."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and _URL.fullmatch(lines[0]):
            blocks.append({"button": lines[0], "label": link_label})
        else:
            blocks.append({"lines": [_split_urls(line) for line in lines]})
    return blocks


def render_html(name: str, subject: str, body: str, context: dict) -> str:
    """The HTML alternative of an email: its own .email.html, or the layout around `body`."""
    engine = _html_engine()
    full = {"shop_name": settings.SHOP_NAME, **context, "subject": subject}
    try:
        template = engine.get_template(f"notifications/{name}.email.html")
    except TemplateDoesNotExist:
        template = engine.get_template("notifications/_email_layout.html")
        full["blocks"] = text_blocks(body, link_label=LINK_LABELS.get(name, DEFAULT_LINK_LABEL))
    return template.render(Context(full, autoescape=True))


def has_channel(name: str, channel: str) -> bool:
    return _get(f"notifications/{name}.{channel}.txt") is not None


def render(name: str, channel: str, context: dict) -> Rendered:
    """Render template `name` for `channel`; raises TemplateMissing if it has no such file."""
    body_template = _get(f"notifications/{name}.{channel}.txt")
    if body_template is None:
        raise TemplateMissing(
            f"قالب پیام «{name}» برای «{channel}» وجود ندارد.",
            fields={"template": [name], "channel": [channel]},
        )
    full_context = Context({"shop_name": settings.SHOP_NAME, **context}, autoescape=False)
    body = body_template.render(full_context).strip()
    subject = ""
    if channel == Channel.EMAIL:
        subject_template = _get(f"notifications/{name}.subject.txt")
        if subject_template is None:
            raise TemplateMissing(
                f"موضوع ایمیل قالب «{name}» وجود ندارد.", fields={"template": [name]}
            )
        # A header: one line, whatever the template's whitespace.
        subject = " ".join(subject_template.render(full_context).split())[:200]
        return Rendered(subject=subject, body=body, html=render_html(name, subject, body, context))
    return Rendered(subject=subject, body=body)
