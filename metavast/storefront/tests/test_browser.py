import pytest

from metavast.storefront.demo import seed_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_reads_right_to_left(page, screenshot):
    seed_pages()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "متاوست" in page.locator(".logo").inner_text()
    # The logo sits on the right in RTL: its right edge is near the viewport's right edge.
    box = page.locator(".logo").bounding_box()
    assert box["x"] + box["width"] > 390 - 80
    # Nothing wider than a phone screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="حریم خصوصی").click()
    page.wait_for_url("**/p/privacy/")
    assert "Argon2id" in page.content()
    screenshot(page, "home-privacy")
    page.goto("/")
    screenshot(page, "home")
    # No CSP violations or missing assets in the console.
    assert not [e for e in errors if "Content Security Policy" in e or "404" in e], errors
