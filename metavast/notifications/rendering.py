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
- ``orders/placed``, ``orders/paid``, ``orders/delivered``: ``order_number``. SMS, email.
- ``orders/info_requested``: ``order_number``, ``link`` (optional: where to answer). SMS, email.
- ``orders/shipped``: ``order_number``, ``tracking_code`` (optional). SMS, email.
- ``orders/receiver_shipping``: ``order_number``, ``tracking_code``, ``shop_name``. SMS only;
  the one message an order's receiver may get (P4), through ``send_to_address``.

Keep personal data out of subjects: they are stored unencrypted and shown to staff.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@lru_cache(maxsize=1)
def _engine() -> Engine:
    # A separate engine because these are text, not HTML: a link's "&" must stay "&".
    return Engine(
        dirs=[settings.BASE_DIR / "templates", TEMPLATE_DIR],
        autoescape=False,
        builtins=["metavast.core.templatetags.persian"],
    )


def _get(path: str):
    try:
        return _engine().get_template(path)
    except TemplateDoesNotExist:
        return None


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
    return Rendered(subject=subject, body=body)
