"""What the store sets in a visitor's browser, by category.

Every cookie and every browser-storage entry the store writes is declared here once. The
necessary ones are listed below (found by reading the code: Django's session, CSRF and
messages cookies, this app's own choice cookie, htmx's navigation entry and checkout's
double-payment guard). A feature that wants anything non-necessary (an analytics beacon, a
marketing pixel, a preference kept in localStorage) registers a `Feature` at start-up (in its
AppConfig.ready) and asks `metavast.consent.gate.allows()` before setting it.

The banner shows only while a registered feature uses a non-necessary category, and names
those features: with nothing registered (today) the store uses necessary cookies only, and
says so on the settings page instead of showing a banner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from metavast.consent.models import OPTIONAL_CATEGORIES, CookieCategory
from metavast.core.db_router import sticky_cookie_name
from metavast.core.text import to_persian_digits


@dataclass(frozen=True)
class Item:
    """A cookie or a storage key (a prefix ends with "*")."""

    name: str
    purpose: str  # Persian: what it is for
    lifetime: str  # Persian: how long it lives

    def matches(self, name: str) -> bool:
        if self.name.endswith("*"):
            return name.startswith(self.name[:-1])
        return name == self.name


@dataclass(frozen=True)
class Feature:
    key: str
    category: str  # a non-necessary CookieCategory value
    label: str  # Persian: the feature's name, shown in the banner
    purpose: str  # Persian: what it does with the cookie or storage
    cookies: tuple[Item, ...] = field(default=())
    storage: tuple[Item, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.category not in OPTIONAL_CATEGORIES:
            raise ValueError(f"a feature's category must be non-necessary, not {self.category!r}")


def necessary_cookies() -> tuple[Item, ...]:
    """Names come from settings: production prefixes them with __Host-. Django's language
    cookie is not listed: no view of the store sets it (no language switcher yet)."""
    return (
        Item(settings.SESSION_COOKIE_NAME, "نشست: ورود به حساب و سبد خرید", "دو هفته"),
        Item(settings.CSRF_COOKIE_NAME, "محافظت از فرم‌ها در برابر جعل درخواست", "یک سال"),
        Item("messages", "پیام‌های کوتاه پس از یک کار (مثلاً «ذخیره شد»)", "تا صفحهٔ بعد"),
        Item(settings.CONSENT_COOKIE_NAME, "همین انتخاب شما دربارهٔ کوکی‌ها", "شش ماه"),
        # metavast.core.db_router: set after a change only when a read replica is in use.
        Item(
            sticky_cookie_name(),
            "نشان دادن همان چیزی که همین الان تغییر دادید (خواندن از پایگاه دادهٔ اصلی"
            " پس از ثبت تغییر)؛ فقط زمان پایانش را دارد و هیچ اطلاعات شخصی‌ای در آن نیست",
            f"{to_persian_digits(settings.REPLICA_STICKY_SECONDS)} ثانیه پس از هر تغییر",
        ),
    )


# sessionStorage only (gone when the tab closes); nothing is written to localStorage.
NECESSARY_STORAGE: tuple[Item, ...] = (
    Item(
        "htmx-current-path-for-history",
        "نشانی صفحهٔ فعلی، برای کار کردن دکمهٔ بازگشت مرورگر",
        "تا بستن زبانه",
    ),
    Item("htmx-history-cache", "نسخهٔ صفحه‌های قبلی برای دکمهٔ بازگشت", "تا بستن زبانه"),
    Item("paid-*", "جلوگیری از دوباره فرستادن پرداخت", "تا بستن زبانه"),
)

_features: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    _features[feature.key] = feature
    return feature


def unregister(key: str) -> None:
    _features.pop(key, None)


def features() -> list[Feature]:
    return list(_features.values())


def features_in(category: str) -> list[Feature]:
    return [f for f in _features.values() if f.category == category]


def categories_in_use() -> list[str]:
    """Non-necessary categories some registered feature uses, in CookieCategory order."""
    used = {f.category for f in _features.values()}
    return [c for c in OPTIONAL_CATEGORIES if c in used]


def is_necessary_cookie(name: str) -> bool:
    return any(item.matches(name) for item in necessary_cookies())


def is_necessary_storage(name: str) -> bool:
    return any(item.matches(name) for item in NECESSARY_STORAGE)


def cookies_of(category: str) -> list[Item]:
    if category == CookieCategory.NECESSARY:
        return list(necessary_cookies())
    return [item for f in features_in(category) for item in f.cookies]
