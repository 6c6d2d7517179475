"""Project-wide test fixtures.

- Tests marked `postgres` mean something only on PostgreSQL (row locks, concurrency,
  pg_dump). On SQLite they skip with a reason; with REQUIRE_POSTGRES=1 (CI) they fail.
- `browser` gives a Playwright page in Debian's chromium against the live server;
  screenshots go to artifacts/ (git-ignored). Playwright never downloads a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_configure(config):
    """On SQLite's in-memory test database the live server shares the test's one connection
    with every request thread. Two requests at once (a page and its htmx suggestions) then
    deadlock when SQLite calls back into Python (Django's REGEXP function, used by search):
    one thread holds the connection's mutex and waits for the GIL, the other holds the GIL
    and waits for the mutex. So there the live server answers one request at a time, as
    `runserver --nothreading` does (Django then closes each connection after its answer).
    On PostgreSQL each request thread has its own connection and the server stays threaded."""
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        return
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATimeServer(WSGIServer):
        # Requests run on the server's own thread, which LiveServerThread has already given
        # the shared connections; the threaded server's hand-over is not needed.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = OneAtATimeServer


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgres" in os.environ.get("DATABASE_URL", "")
    require = os.environ.get("REQUIRE_POSTGRES") == "1"
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if require:
                item.add_marker(
                    pytest.mark.xfail(
                        reason="REQUIRE_POSTGRES=1 but not on PostgreSQL", strict=True, run=False
                    )
                )
            else:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    from metavast.core import vat  # its 2-second in-process copy outlives cache.clear()

    vat._local.clear()
    from metavast.storefront import context_processors  # the footer's copy, likewise

    context_processors._local.clear()
    yield


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Private files (invoice PDFs, audit checkpoints) per test, never in the real var/:
    a checkpoint left by one test's database would fail the next test's audit_verify."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: run `make test` (it installs it)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are still synchronous and single-threaded, so Django's async guard can stand down.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Browser waits are for a state (a URL, a locator), never for a time; this is only how long
# a wait may last before the test fails, generous for a loaded CI machine. String predicates
# (a string given to wait_for_function) are eval, which the store's CSP rightly blocks: do not use them.
BROWSER_TIMEOUT_MS = 60_000


@pytest.fixture
def new_browser_context(_playwright, live_server):
    """Another browser (a second device, a staff member) against the live server; closed after
    the test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    contexts = []

    def make(**options):
        context = _playwright.new_context(base_url=live_server.url, locale="fa-IR", **options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_context(new_browser_context):
    return new_browser_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


@pytest.fixture
def screenshot(request):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def admin_client(admin_client, admin_user):
    """Staff pass TOTP before the admin opens: give the test client a verified device."""
    from metavast.accounts.testing import verify_staff_client

    return verify_staff_client(admin_client, admin_user)


@pytest.fixture
def wsgi_keeps_test_connection():
    """Calling the WSGI app directly (schemathesis) fires request_started/finished, whose
    close_old_connections would close the test's connection mid-transaction (Django's test
    client disconnects them the same way)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def browser_sign_in(browser_context, live_server):
    """Sign `user` in for the browser by handing it a session cookie made server-side."""
    from django.conf import settings
    from django.test import Client

    def sign_in(user) -> None:
        client = Client()
        client.force_login(user)
        browser_context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    return sign_in
