"""The privacy policy page: today's practice generated from the registry and the retention
rules, beside a policy text whose Persian typography is right."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from metavast.privacy import registry
from metavast.storefront.demo import seed_pages

pytestmark = pytest.mark.django_db

URL = "/p/privacy/"
ZWNJ = "\u200c"
SOURCE = Path(settings.BASE_DIR) / "metavast" / "storefront" / "content" / "privacy-policy-fa.txt"
FIXED = ("می\u200cکند", "وب\u200cسایت", "کلیهٔ", "نمی\u200cکند", "همهٔ", "تجربهٔ", "عهدهٔ")
# A space, nothing, or a separate «ی» where a half-space or «ٔ» belongs.
BROKEN = (
    "می کند",
    "میکند",
    "وب سایت",
    "وبسایت",
    "کلیه ی",
    "کلیهی",
    "همهی",
    "تجربهی",
    "عهدهی",
    "نمیکند",
    "میتواند",
    "میگیرد",
    "میشود",
)


def _visible_text(html: str) -> str:
    return html.replace("&zwnj;", ZWNJ)


def test_policy_source_text_has_half_spaces():
    text = SOURCE.read_text(encoding="utf-8")
    for word in FIXED:
        assert word in text, word
    for word in BROKEN:
        assert word not in text, word


def test_policy_page_renders_the_fixed_words_and_none_of_the_broken_forms(client):
    seed_pages()
    html = _visible_text(client.get(URL).content.decode())
    for word in FIXED:
        assert word in html, word
    for word in BROKEN:
        assert word not in html, word


def test_policy_page_states_todays_practice_from_the_registry(client):
    seed_pages()
    html = client.get(URL).content.decode()
    assert "داده‌هایی که امروز نگه می‌داریم" in html
    for summary in registry.summaries():
        assert summary.label in html
        for label in summary.field_labels():
            assert label in html, label
        for purpose in summary.purpose_labels():
            assert purpose in html
        for sentence in summary.retention_sentences():
            assert sentence in html, sentence


def test_policy_page_lists_every_retention_rule_in_the_engines_words(client):
    from metavast.privacy.retention import RULES

    seed_pages()
    html = client.get(URL).content.decode()
    assert RULES
    for rule in RULES:
        assert rule.describe_fa() in html, rule.key


def test_a_setting_change_changes_the_page(client, settings):
    seed_pages()
    settings.INVOICE_RETENTION_YEARS = 12
    html = client.get(URL).content.decode()
    assert "(۱۲ سال پس از صدور)" in html


def test_other_pages_have_no_practice_section(client):
    seed_pages()
    html = client.get("/p/terms/").content.decode()
    assert "داده‌هایی که امروز نگه می‌داریم" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_policy_page_at_phone_width(page, screenshot):
    seed_pages()
    page.goto(URL)
    assert page.locator("html").get_attribute("dir") == "rtl"
    prose = page.locator(".prose").first.inner_text()
    assert "می\u200cکند" in prose and "وب\u200cسایت" in prose and "کلیهٔ" in prose
    assert page.locator(".prv-practice tbody tr").count() == len(registry.summaries())
    assert page.locator("body").bounding_box()["width"] <= 390
    screenshot(page, "privacy-policy-390")
