"""The Persian display filters: digits, decimal point, mobiles as 09…."""

import pytest
from django.template import Context, Template

from metavast.core.templatetags.persian import fa_digits, phone
from metavast.core.text import to_persian_number_text


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("ظرفیت 256 گیگابایت", "ظرفیت ۲۵۶ گیگابایت"),
        ("۶.۷ اینچ", "۶٫۷ اینچ"),  # a Latin point between Persian digits
        ("6.7 inch", "۶٫۷ inch"),
        ("٣.٥", "۳٫۵"),  # Arabic-Indic digits too
        ("نسخهٔ 2. آماده", "نسخهٔ ۲. آماده"),  # a sentence's full stop stays
        ("Wi-Fi 6.", "Wi-Fi ۶."),
        (".5", ".۵"),  # no digit before: not a decimal point we can be sure of
        (1404, "۱۴۰۴"),
        # A number written against a Latin letter is part of a Latin name: as typed.
        ("گوشی Galaxy A55 ظرفیت 256", "گوشی Galaxy A55 ظرفیت ۲۵۶"),
        ("Argon2id و AES-256", "Argon2id و AES-۲۵۶"),
        ("اینترنت 5G", "اینترنت 5G"),
        ("سفارش MV-40079888", "سفارش MV-۴۰۰۷۹۸۸۸"),
        (None, ""),
    ],
)
def test_fa_digits(typed, shown):
    assert fa_digits(typed) == shown


def test_fa_digits_is_escaped_in_templates():
    html = Template("{{ v|fa_digits }}").render(Context({"v": "<b>12</b>"}))
    assert html == "&lt;b&gt;۱۲&lt;/b&gt;"


def test_to_persian_number_text_is_idempotent():
    once = to_persian_number_text("6.7 و 128")
    assert to_persian_number_text(once) == once == "۶٫۷ و ۱۲۸"


def test_phone_shows_national_format_with_persian_digits():
    assert phone("+989123456789") == "۰۹۱۲ ۳۴۵ ۶۷۸۹"
    assert phone("+982188776655") == "۰۲۱ ۸۸۷۷ ۶۶۵۵"
    assert phone("") == ""
