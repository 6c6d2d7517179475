"""Cookie consent: the gate, the banner, the choice and its history (P9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from metavast.audit.models import AuditEvent
from metavast.consent import cookie, gate, registry
from metavast.consent.models import ConsentRecord, CookieCategory
from metavast.consent.services import cookie_consent_choose
from metavast.orders.tests.factories import make_customer

pytestmark = pytest.mark.django_db

NAME = settings.CONSENT_COOKIE_NAME
CHOOSE = "/consent/choose/"


def _request(cookies: dict | None = None, user=None):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    request.user = user or AnonymousUser()
    return request


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_necessary_is_always_allowed_and_nothing_else_without_a_choice(analytics_feature):
    request = _request()
    assert gate.allows(request, CookieCategory.NECESSARY) is True
    assert gate.allows(request, CookieCategory.ANALYTICS) is False
    assert gate.allows(request, CookieCategory.MARKETING) is False
    assert gate.needs_banner(request) is True


def test_no_feature_registered_means_no_banner_and_no_choice_cookie():
    assert registry.categories_in_use() == []
    response = Client().get("/")
    assert response.status_code == 200
    assert 'id="cookie-banner"' not in response.content.decode()
    assert NAME not in response.cookies
    page = Client().get("/consent/").content.decode()
    assert "فقط از کوکی‌های ضروری استفاده می‌کند" in page
    assert "ذخیرهٔ انتخاب" not in page  # nothing to choose


def test_banner_names_the_feature_in_use_and_sets_nothing_non_necessary(analytics_feature):
    response = Client().get("/")
    html = response.content.decode()
    assert 'id="cookie-banner"' in html
    assert "آمار بازدید آزمایشی" in html
    assert "شمارش بازدید صفحه‌ها به‌صورت کلی" in html
    assert "پذیرفتن همه" in html and "فقط ضروری" in html
    assert all(registry.is_necessary_cookie(name) for name in response.cookies)


def test_footer_links_to_the_settings_page():
    html = Client().get("/").content.decode()
    assert 'href="/consent/"' in html and "تنظیمات کوکی" in html


def test_accept_all_without_javascript_stores_the_choice_in_a_cookie(analytics_feature):
    client = Client()
    response = client.post(CHOOSE, {"decision": "all", "next": "/search/?q=x"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=x"
    morsel = response.cookies[NAME]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    choice = cookie.decode(morsel.value)
    assert choice.granted == {CookieCategory.ANALYTICS}
    assert choice.policy_version == settings.COOKIE_POLICY_VERSION
    # Anonymous: the cookie only, no row.
    assert ConsentRecord.objects.count() == 0
    assert 'id="cookie-banner"' not in client.get("/").content.decode()
    assert gate.allows(_request({NAME: morsel.value}), CookieCategory.ANALYTICS) is True


def test_next_pointing_elsewhere_is_ignored(analytics_feature):
    response = Client().post(CHOOSE, {"decision": "necessary", "next": "https://evil.example/"})
    assert response["Location"] == "/consent/"


def test_htmx_choice_swaps_the_banner_for_nothing(analytics_feature):
    response = Client().post(CHOOSE, {"decision": "necessary"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content == b""
    choice = cookie.decode(response.cookies[NAME].value)
    assert choice.granted == frozenset()
    assert choice.offered == {CookieCategory.ANALYTICS}


def test_a_choice_needs_the_csrf_token(analytics_feature):
    response = Client(enforce_csrf_checks=True).post(CHOOSE, {"decision": "all"})
    assert response.status_code == 403
    assert NAME not in response.cookies


def test_signed_in_choices_are_kept_as_history_with_version_and_audited(analytics_feature):
    customer = make_customer()
    client = _signed_in(customer)
    client.post(CHOOSE, {"decision": "all"})
    client.cookies["_test_visits"] = "1"
    response = client.post(CHOOSE, {"decision": "save", "categories": []})

    records = list(ConsentRecord.objects.for_user(customer).latest_first())
    assert [r.granted for r in records] == [[], ["analytics"]]
    assert all(r.offered == ["analytics"] for r in records)
    assert all(r.policy_version == settings.COOKIE_POLICY_VERSION for r in records)
    events = AuditEvent.objects.filter(action="consent.cookies_chosen", actor_id=customer.pk)
    assert events.count() == 2
    # Taken back: the feature's cookie is deleted at once, and the gate says no.
    assert response.cookies["_test_visits"]["max-age"] == 0
    request = _request({NAME: response.cookies[NAME].value}, user=customer)
    assert gate.allows(request, CookieCategory.ANALYTICS) is False


def test_only_categories_in_use_can_be_granted(analytics_feature):
    customer = make_customer()
    _signed_in(customer).post(
        CHOOSE, {"decision": "save", "categories": ["analytics", "marketing"]}
    )
    record = ConsentRecord.objects.get(user=customer)
    assert record.granted == ["analytics"]
    assert record.offered == ["analytics"]


def test_the_account_choice_follows_the_customer_to_another_device(analytics_feature):
    customer = make_customer()
    cookie_consent_choose(user=customer, granted=["analytics"])
    other_device = _signed_in(customer)  # no choice cookie there
    assert 'id="cookie-banner"' not in other_device.get("/").content.decode()
    assert gate.allows(_request(user=customer), CookieCategory.ANALYTICS) is True


def test_the_newer_of_cookie_and_record_wins(analytics_feature):
    customer = make_customer()
    t0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    cookie_consent_choose(user=customer, granted=["analytics"], now=t0)
    newer_refusal = cookie_consent_choose(user=None, granted=[], now=t0 + dt.timedelta(hours=1))
    request = _request({NAME: cookie.encode(newer_refusal)}, user=customer)
    assert gate.allows(request, CookieCategory.ANALYTICS) is False
    older_refusal = cookie_consent_choose(user=None, granted=[], now=t0 - dt.timedelta(hours=1))
    request = _request({NAME: cookie.encode(older_refusal)}, user=customer)
    assert gate.allows(request, CookieCategory.ANALYTICS) is True


def test_a_new_policy_version_asks_again(analytics_feature, settings):
    customer = make_customer()
    choice = cookie_consent_choose(user=customer, granted=["analytics"])
    value = cookie.encode(choice)
    settings.COOKIE_POLICY_VERSION = "1406-01"
    request = _request({NAME: value}, user=customer)
    assert gate.allows(request, CookieCategory.ANALYTICS) is False
    assert gate.needs_banner(request) is True


def test_a_category_added_since_the_choice_asks_again(analytics_feature):
    value = cookie.encode(cookie_consent_choose(user=None, granted=["analytics"]))
    assert gate.needs_banner(_request({NAME: value})) is False
    registry.register(
        registry.Feature(
            key="test-ads", category=CookieCategory.MARKETING, label="تبلیغ", purpose="سنجش"
        )
    )
    try:
        request = _request({NAME: value})
        assert gate.needs_banner(request) is True
        assert gate.allows(request, CookieCategory.ANALYTICS) is True  # the old grant stands
        assert gate.allows(request, CookieCategory.MARKETING) is False
    finally:
        registry.unregister("test-ads")


def test_a_forged_cookie_counts_as_no_choice(analytics_feature):
    value = cookie.encode(cookie_consent_choose(user=None, granted=["analytics"]))
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    request = _request({NAME: forged})
    assert gate.allows(request, CookieCategory.ANALYTICS) is False
    assert gate.needs_banner(request) is True


def test_settings_page_shows_the_choice_time_in_jalali_and_the_state(analytics_feature):
    customer = make_customer()
    # 2026-01-01 12:00 UTC is 11 Dey 1404, 15:30 in Tehran.
    cookie_consent_choose(
        user=customer, granted=["analytics"], now=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    )
    html = _signed_in(customer).get("/consent/").content.decode()
    assert "۱۴۰۴" in html and "دی" in html
    assert "۱۴۰۵-۰۹" in html
    assert "اجازه داده‌اید" in html
    assert "_test_visits" in html


def test_a_feature_cannot_claim_the_necessary_category():
    with pytest.raises(ValueError):
        registry.Feature(key="x", category=CookieCategory.NECESSARY, label="x", purpose="x")


def test_every_cookie_a_plain_visit_sets_is_necessary():
    client = Client()
    names = set()
    for url in ("/", "/consent/", "/accounts/login/", "/cart/", "/search/?q=x"):
        response = client.get(url)
        assert response.status_code == 200, url
        names |= set(response.cookies)
    assert names, "the sign-in form at least sets the CSRF cookie"
    assert all(registry.is_necessary_cookie(name) for name in names), names


def test_the_shared_catalog_page_cache_never_hides_the_banner(analytics_feature):
    """Anonymous catalog pages are cached whole: a page rendered for a visitor who already
    chose (no banner) must not be served to one who has not."""
    from metavast.orders.tests.factories import make_variant

    url = make_variant(title="چراغ", price=100_000, on_hand=1).product.get_absolute_url()
    chosen = Client()
    chosen.cookies[NAME] = cookie.encode(cookie_consent_choose(user=None, granted=[]))
    assert 'id="cookie-banner"' not in chosen.get(url).content.decode()
    assert 'id="cookie-banner"' in Client().get(url).content.decode()
    assert 'id="cookie-banner"' not in chosen.get(url).content.decode()
