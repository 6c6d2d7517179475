"""Issue 15, item 10: a phone's first visit to the home page weighs at most 60 KB (HTML, CSS,
JavaScript and fonts, as transferred: compressed).

Served as `make run` serves it, not as the test server does: static files collected with
WhiteNoise's compressed manifest storage (the .br/.gz files made at collectstatic) and served
by WhiteNoise from STATIC_ROOT, pages compressed by GZipMiddleware, the web font subset by
scripts/fetch_font.sh. A server thread of its own is started under those settings (the
shared live server was built with the test settings' uncompressed finders).

The figure is the browser's own: transferSize (headers included) of the navigation and of
every resource of the visit, from the Resource Timing API, after the fonts have loaded.
Product pictures are printed beside it but are not part of the 60 KB (the issue counts HTML,
CSS, JS and fonts; pictures are lazy and their weight depends on the catalog).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread

from metavast.catalog import demo
from metavast.storefront.demo import seed_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 60 * 1024
COUNTED = ("document", "style", "script", "font")


def _kind(entry: dict) -> str:
    name = entry["name"].split("?")[0]
    if entry.get("entryType") == "navigation":
        return "document"
    if name.endswith(".css"):
        return "style"
    if name.endswith(".js"):
        return "script"
    if name.endswith((".woff2", ".woff", ".ttf")):
        return "font"
    if name.endswith((".png", ".jpg", ".jpeg", ".webp", ".svg", ".avif", ".gif", ".ico")):
        return "image"
    return "other"


@pytest.fixture
def served_like_make_run(tmp_path, settings):
    """A server thread with make run's static files: collected, compressed, from STATIC_ROOT."""
    static_root = tmp_path / "static"
    overrides = override_settings(
        STATIC_ROOT=static_root,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    )
    overrides.enable()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        shared = {
            c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()
        }
        # No static handler in front: WhiteNoise (in the middleware) serves static files.
        thread = LiveServerThread("127.0.0.1", lambda app: app, connections_override=shared)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://127.0.0.1:{thread.port}"
        finally:
            thread.terminate()
    finally:
        overrides.disable()


def test_first_visit_on_a_phone_is_at_most_60_kb(_playwright, served_like_make_run, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", 48)
    demo.seed_catalog()
    seed_pages()
    context = _playwright.new_context(
        base_url=served_like_make_run,
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        locale="fa-IR",
    )
    try:
        page = context.new_page()
        encodings: dict[str, str] = {}
        page.on(
            "response",
            lambda r: encodings.__setitem__(r.url, r.headers.get("content-encoding", "")),
        )
        page.goto("/", wait_until="load")
        page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
        page.wait_for_load_state("networkidle")
        entries = page.evaluate(
            """() => performance.getEntriesByType("navigation")
                .concat(performance.getEntriesByType("resource"))
                .map(e => ({name: e.name, entryType: e.entryType,
                            transferSize: e.transferSize, encodedBodySize: e.encodedBodySize,
                            decodedBodySize: e.decodedBodySize}))"""
        )
    finally:
        context.close()

    totals: dict[str, int] = {}
    print("\nFirst visit to / at 390 px (bytes: transferred, compressed body, decoded body):")
    for entry in entries:
        kind = _kind(entry)
        totals[kind] = totals.get(kind, 0) + entry["transferSize"]
        path = entry["name"].replace(served_like_make_run, "")
        print(
            f"  {kind:8} {entry['transferSize']:>7} {entry['encodedBodySize']:>7}"
            f" {entry['decodedBodySize']:>7}  {encodings.get(entry['name'], '') or '-':4} {path}"
        )
    counted = sum(totals.get(k, 0) for k in COUNTED)
    print(
        "  by kind: "
        + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sorted(totals.items()))
        + f"\n  HTML + CSS + JS + fonts: {counted / 1024:.1f} KB (budget {BUDGET / 1024:.0f} KB);"
        f" every response, pictures included: {sum(totals.values()) / 1024:.1f} KB"
    )
    kinds = {_kind(e) for e in entries}
    assert {"document", "style", "script"} <= kinds, kinds
    # The page and its text assets really were compressed on the way.
    document = next(e for e in entries if e["entryType"] == "navigation")
    assert document["encodedBodySize"] < document["decodedBodySize"] / 2, document
    fonts = [e for e in entries if _kind(e) == "font"]
    assert fonts, "the web font was not loaded: run `make fonts`"
    assert all("-fa" in e["name"] or "-latin" in e["name"] for e in fonts), fonts
    assert counted <= BUDGET, f"{counted} bytes > {BUDGET}"
