"""Cached catalog pages served before sessions and auth (catalog/early_cache.py, issue 16).

An early answer must be the late answer: same body, same headers (one by one), the same
analytics event; only the work of the middleware it skips is missing.
"""

from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from metavast.catalog import cache as catalog_cache
from metavast.catalog import early_cache, search
from metavast.catalog.tests import factories

pytestmark = pytest.mark.django_db

EARLY = "metavast.catalog.early_cache.EarlyPageCacheMiddleware"
# Browser-like: analytics counts only such requests (no bot user agent, a language).
BROWSER = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
    "Accept-Language": "fa-IR,fa;q=0.9",
}


@pytest.fixture
def shop():
    mobile = factories.category(name="گوشی موبایل", slug="mobile")
    samsung = factories.brand(name="سامسونگ", latin="Samsung")
    product = factories.product("گوشی سامسونگ A15", cat=mobile, brand=samsung, price=80_000_000)
    return {"category": "/c/mobile/?sort=cheapest", "product": product.get_absolute_url()}


def urls(shop) -> dict[str, str]:
    return {
        "category": shop["category"],
        "product": shop["product"],
        "search": "/search/?q=%DA%AF%D9%88%D8%B4%DB%8C",
        "htmx category": shop["category"],
    }


def _get(url, *, gzip=False, htmx=False):
    headers = dict(BROWSER)
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    if htmx:
        headers["HX-Request"] = "true"
    return Client().get(url, headers=headers)


def _late_and_early(settings, url, **kwargs):
    """(late hit, early hit) of `url`, the page stored by a first request."""
    assert _get(url, **kwargs).status_code == 200  # renders and stores
    with_early = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [m for m in with_early if m != EARLY]
    late = _get(url, **kwargs)
    settings.MIDDLEWARE = with_early
    early = _get(url, **kwargs)
    return late, early


def _served_early(response) -> bool:
    # The session middleware never saw an early request.
    return not hasattr(response.wsgi_request, "session")


def _comparable(response, *, drop=()) -> dict[str, str]:
    skip = {"x-request-id", *drop}  # a fresh id per request
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in skip}


@pytest.mark.parametrize("page", ["category", "product", "search", "htmx category"])
def test_an_early_page_has_the_late_pages_headers_one_by_one(settings, shop, page):
    url = urls(shop)[page]
    late, early = _late_and_early(settings, url, htmx=page.startswith("htmx"))
    assert not _served_early(late) and _served_early(early)
    assert late.status_code == early.status_code == 200
    assert late["X-Catalog-Cache"] == early["X-Catalog-Cache"] == "hit"
    late_headers, early_headers = _comparable(late), _comparable(early)
    for name, value in late_headers.items():
        assert early_headers.get(name) == value, name
    assert sorted(early_headers) == sorted(late_headers)
    # The headers the skipped and replayed middleware are responsible for are really there.
    for name in ("content-security-policy", "x-frame-options", "permissions-policy",
                 "content-language", "content-length", "vary"):  # fmt: skip
        assert name in early_headers
    assert early.content == late.content


def test_compressed_early_pages_have_the_same_headers(settings, shop):
    late, early = _late_and_early(settings, shop["product"], gzip=True)
    assert _served_early(early)
    assert early["Content-Encoding"] == late["Content-Encoding"] == "gzip"
    # Django pads every gzip body with random bytes (BREACH): only the length may differ.
    assert _comparable(early, drop={"content-length"}) == _comparable(late, drop={"content-length"})


def test_an_early_page_is_counted_by_analytics_like_a_late_one(settings, shop):
    with mock.patch("metavast.analytics.buffer.push") as push:
        _late, early = _late_and_early(settings, shop["product"])
    assert _served_early(early)
    events = [c.args[0] for c in push.call_args_list]
    assert len(events) == 3  # the first (rendered) view, the late hit and the early hit
    # [time, visitor hash, device, referrer, pairs]: everything but the time is the same.
    assert events[1][1:] == events[2][1:]
    assert ["product_view", shop["product"].split("/")[2]] in events[2][4]


def test_an_early_page_costs_no_query_and_one_cache_round_trip(shop, django_assert_num_queries):
    url = shop["product"]
    _get(url)
    with (
        django_assert_num_queries(0),
        mock.patch.object(catalog_cache, "lookup", wraps=catalog_cache.lookup) as lookup,
    ):
        response = _get(url)
    assert _served_early(response) and response["X-Catalog-Cache"] == "hit"
    assert lookup.call_count == 1


def test_a_miss_asks_the_cache_once_and_renders_on_the_normal_path(shop):
    with mock.patch.object(catalog_cache, "lookup", wraps=catalog_cache.lookup) as lookup:
        response = _get(shop["product"])
    assert response.status_code == 200
    assert "X-Catalog-Cache" not in response
    assert hasattr(response.wsgi_request, "session")  # went the whole way
    assert lookup.call_count == 1  # the normal path reused the early lookup's answer
    assert "گوشی سامسونگ A15" in response.content.decode()


@pytest.mark.parametrize(
    "cookie", [django_settings.SESSION_COOKIE_NAME, "messages", django_settings.CONSENT_COOKIE_NAME]
)
def test_requests_with_a_session_messages_or_consent_cookie_go_the_whole_way(shop, cookie):
    _get(shop["product"])
    client = Client()
    client.cookies[cookie] = "x"
    response = client.get(shop["product"], headers=BROWSER)
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")
    assert "X-Catalog-Cache" not in response


def test_head_and_other_pages_are_not_served_early(client, shop):
    _get(shop["product"])
    head = client.head(shop["product"])
    assert head.status_code == 405  # require_GET, as without the early cache
    assert hasattr(head.wsgi_request, "session")
    ping = client.get("/ping")
    assert ping.status_code == 200 and hasattr(ping.wsgi_request, "session")


def test_a_bad_host_is_refused_as_on_the_normal_path(shop):
    _get(shop["product"])
    response = Client().get(shop["product"], headers={**BROWSER, "Host": "evil.example"})
    assert response.status_code == 400
    assert "X-Catalog-Cache" not in response


def test_a_missing_product_is_a_404_on_the_normal_path(shop):
    response = _get("/product/no-such-thing/")
    assert response.status_code == 404
    assert hasattr(response.wsgi_request, "session")


def test_with_the_page_cache_off_nothing_is_served_early(settings, shop):
    settings.CATALOG_PAGE_CACHE = False
    _get(shop["product"])
    response = _get(shop["product"])
    assert response.status_code == 200 and not _served_early(response)


def test_every_middleware_after_the_early_cache_is_replayed_or_skipped_with_a_reason():
    middleware = list(django_settings.MIDDLEWARE)
    after = middleware[middleware.index(EARLY) + 1 :]
    replayed = [m for m in after if m in early_cache.REPLAYED]
    assert replayed == list(early_cache.REPLAYED)  # all of them, in MIDDLEWARE's order
    assert [m for m in after if m not in early_cache.REPLAYED] == list(early_cache.SKIPPED)
    assert all(reason for reason in early_cache.SKIPPED.values())


# Suggestions while typing: answered early whether cached or not (early_cache.COMPUTED).
SUGGEST = "/search/suggest/?q=%DA%AF%D9%88%D8%B4%DB%8C%20%D8%B3%D8%A7%D9%85"  # «گوشی سام»


def _without_early(settings):
    return [m for m in settings.MIDDLEWARE if m != EARLY]


def _assert_same_answer(late, early, *, drop=()):
    assert not _served_early(late) and _served_early(early)
    assert late.status_code == early.status_code == 200
    late_headers, early_headers = _comparable(late, drop=drop), _comparable(early, drop=drop)
    for name, value in late_headers.items():
        assert early_headers.get(name) == value, name
    assert sorted(early_headers) == sorted(late_headers)
    for name in ("content-security-policy", "x-frame-options", "permissions-policy",
                 "content-language", "content-length"):  # fmt: skip
        assert name in early_headers
    assert early.content == late.content


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("page_cache", [True, False])
def test_a_suggestion_not_cached_is_answered_early_with_the_late_answer(
    settings, shop, page_cache, htmx
):
    settings.CATALOG_PAGE_CACHE = page_cache
    with_early = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = _without_early(settings)
    late = _get(SUGGEST, htmx=htmx)
    cache.clear()  # the late request stored its answer: the early one must build it too
    settings.MIDDLEWARE = with_early
    early = _get(SUGGEST, htmx=htmx)

    _assert_same_answer(late, early)
    assert "X-Catalog-Cache" not in early
    assert "گوشی سامسونگ A15" in early.content.decode()


def test_a_stored_suggestion_is_answered_early_as_it_was_before(settings, shop):
    assert "X-Catalog-Cache" not in _get(SUGGEST)  # built early, and stored
    with_early = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = _without_early(settings)
    late = _get(SUGGEST)
    settings.MIDDLEWARE = with_early
    early = _get(SUGGEST)

    _assert_same_answer(late, early)
    assert late["X-Catalog-Cache"] == early["X-Catalog-Cache"] == "hit"


def test_an_early_suggestion_is_compressed_like_a_late_one(settings, shop):
    settings.CATALOG_PAGE_CACHE = False
    # Six suggestions: a short answer may come back uncompressed (gzip's random padding can
    # make it longer), so the comparison needs a long one.
    for n in range(5):
        factories.product(f"گوشی سامسونگ Galaxy A{n}5 ظرفیت ۱۲۸ گیگابایت")
    with_early = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = _without_early(settings)
    late = _get(SUGGEST, gzip=True)
    settings.MIDDLEWARE = with_early
    early = _get(SUGGEST, gzip=True)

    assert _served_early(early) and not _served_early(late)
    assert early["Content-Encoding"] == late["Content-Encoding"] == "gzip"
    # Django pads every gzip body with random bytes (BREACH): only the length may differ.
    assert _comparable(early, drop={"content-length"}) == _comparable(late, drop={"content-length"})


def test_a_short_suggestion_query_is_answered_early_and_empty(settings, shop):
    with_early = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = _without_early(settings)
    late = _get("/search/suggest/?q=%DA%AF")
    settings.MIDDLEWARE = with_early
    early = _get("/search/suggest/?q=%DA%AF")

    assert early.content == late.content == b""
    assert _served_early(early)
    assert _comparable(early) == _comparable(late)


def test_an_early_suggestion_is_counted_by_analytics_like_a_late_one(settings, shop):
    settings.CATALOG_PAGE_CACHE = False
    with mock.patch("metavast.analytics.buffer.push") as push:
        with_early = list(settings.MIDDLEWARE)
        settings.MIDDLEWARE = _without_early(settings)
        late = _get(SUGGEST)  # not an htmx request: counted as a page view
        settings.MIDDLEWARE = with_early
        early = _get(SUGGEST)
        _get(SUGGEST, htmx=True)  # what the search box sends: not counted, early or late
    assert not _served_early(late) and _served_early(early)
    events = [c.args[0] for c in push.call_args_list]
    assert len(events) == 2
    assert events[0][1:] == events[1][1:]


def test_an_early_suggestion_reads_no_session_and_no_sql(settings, shop, django_assert_num_queries):
    settings.CATALOG_PAGE_CACHE = False
    _get(SUGGEST)  # builds this catalog version's suggestion index
    with django_assert_num_queries(0):
        response = _get(SUGGEST)
    assert _served_early(response) and not response.cookies
    assert "گوشی سامسونگ A15" in response.content.decode()


@pytest.mark.parametrize("cookie", [django_settings.SESSION_COOKIE_NAME, "messages"])
def test_a_suggestion_with_a_session_or_messages_cookie_goes_the_whole_way(shop, cookie):
    client = Client()
    client.cookies[cookie] = "x"
    response = client.get(SUGGEST, headers=BROWSER)
    assert response.status_code == 200
    assert not _served_early(response)
    assert "گوشی سامسونگ A15" in response.content.decode()


def test_a_suggestion_with_only_a_consent_cookie_is_answered_early(shop):
    client = Client()
    client.cookies[django_settings.CONSENT_COOKIE_NAME] = "all"
    response = client.get(SUGGEST, headers=BROWSER)
    assert _served_early(response)
    assert "گوشی سامسونگ A15" in response.content.decode()


def test_suggestions_head_and_a_bad_host_are_answered_by_the_normal_path(shop):
    head = Client().head(SUGGEST, headers=BROWSER)
    assert head.status_code == 405 and not _served_early(head)  # require_GET
    bad_host = Client().get(SUGGEST, headers={**BROWSER, "Host": "evil.example"})
    assert bad_host.status_code == 400


def test_a_suggestion_that_fails_early_is_answered_by_the_normal_path(settings, shop):
    settings.CATALOG_PAGE_CACHE = False
    understand = search.understand
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a passing failure")
        return understand(*args, **kwargs)

    with mock.patch.object(search, "understand", fails_once):
        response = _get(SUGGEST)
    assert len(calls) == 2
    assert response.status_code == 200 and not _served_early(response)
    assert "گوشی سامسونگ A15" in response.content.decode()
