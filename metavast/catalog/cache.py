"""Version numbers that invalidate cached catalog pages without deleting anything.

Every cached page is stored with the catalog version (listings, search, home, navigation)
and, for a product page, that product's version, and is served only while those are still
current; the page and the current versions come back in one round trip (`lookup`). Services bump them after commit: a price change,
a new product or an availability change bumps the catalog version, a stock count that leaves
the product buyable bumps only the product's version. Old entries are never read again and
expire on their own.

A missing version starts from the clock, not from 1, so an evicted counter can never lead
back to a stale page that is still in the cache.

Reading the version is a cache round trip, and a page needs it for several things (the page
itself, the category tree, facets, the header): inside `request_scope()` (every catalog view
and API endpoint) it is read once per request. Small values derived from the catalog (the
tree, facets, header fragments) are kept per version in the worker's memory as well
(`versioned`), so a page does not fetch and unpickle them from Redis again and again; a new
version makes them miss, in every worker, on its next request.

Sales move the best-selling order, and every paid order counts one (`sold_count`); bumping
the catalog version for that emptied every cached page after each sale (issue 16). A sale
that changes what a listing shows otherwise (sold out, or the cheapest buyable price) still
bumps the catalog through the stock move. The best-selling ORDER alone is allowed to be at
most SALES_STALE_SECONDS old: pages sorted by it carry the current `sales_epoch()` in their
key, and values that show it (`SALES_VALUES`) in their version, so they are rebuilt once per
epoch at most, however many sales there are.

Ratings have their own version (`RATINGS_KEY`): approving or rejecting a review changes
the stars on listing cards and the «بیشترین امتیاز» order, but not prices, stock, counts,
facets or the tree, so it bumps only the ratings version (and that product's version, for
its page). The pages and values that show ratings declare it here (`RATED_PAGES`,
`RATED_VALUES`): they are served only while both the catalog and the ratings version are
current; everything else (the cached listing counts and facets included) survives a review.

With the local-memory cache (the embedded default, no Redis) each gunicorn worker has its
own cache, so a bump reaches only the worker that made the change; pages are then kept for a
short time only (PAGE_TTL_LOCAL) to bound how long another worker can show an old price.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache

CATALOG_KEY = "catalog:v"
PRODUCT_KEY = "catalog:pv:{}"  # by slug: the page knows the slug before any query
RATINGS_KEY = "catalog:rv"  # bumped when a product's approved reviews change
# Page kinds (page_key) and versioned() names whose content shows product ratings: listing
# cards and the rating sort.
RATED_PAGES = frozenset({"category", "search"})
RATED_VALUES = frozenset({"search-popular", "fragment:home"})
# Values that show the best-selling order (see sales_epoch).
SALES_VALUES = frozenset({"search-popular", "fragment:home"})
SALES_STALE_SECONDS = 60
PAGE_TTL_SHARED = 300
PAGE_TTL_LOCAL = 30


def _seed() -> int:
    return time.time_ns() // 1000


def _get_or_seed(key: str, *, known_missing: bool = False) -> int:
    """The version under `key`, seeded from the clock when there is none. `known_missing`:
    the caller has just read it and found nothing (skips asking again)."""
    value = None if known_missing else cache.get(key)
    if value is None:
        seed = _seed()
        try:
            if cache.add(key, seed, None):
                return seed  # ours is the value now: no need to read it back
        except Exception:
            # Redis down (issue 17): a fresh version each time, so pages are built, not cached.
            return _seed()
        value = cache.get(key) or _seed()  # another process seeded it first: theirs wins
    return int(value)


# The versions read so far in this request (None outside a request scope).
_scope: ContextVar[dict[str, int] | None] = ContextVar("catalog_request_scope", default=None)
# name -> (catalog version, value) of values derived from the catalog, in this process.
_process_memo: dict[str, tuple[int | str, Any]] = {}
PROCESS_MEMO_MAX = 512  # names: a few per category (facets) and a handful more


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Read the catalog version at most once inside this block (one request)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def _remember(key: str, value: int) -> None:
    memo = _scope.get()
    if memo is not None:
        memo[key] = value


def catalog_version() -> int:
    memo = _scope.get()
    if memo is not None and CATALOG_KEY in memo:
        return memo[CATALOG_KEY]
    value = _get_or_seed(CATALOG_KEY)
    _remember(CATALOG_KEY, value)
    return value


def ratings_version() -> int:
    memo = _scope.get()
    if memo is not None and RATINGS_KEY in memo:
        return memo[RATINGS_KEY]
    value = _get_or_seed(RATINGS_KEY)
    _remember(RATINGS_KEY, value)
    return value


def sales_epoch() -> int:
    """The current slot of SALES_STALE_SECONDS (setting CATALOG_SALES_STALE_SECONDS): what is
    sorted by sales is rebuilt when it changes, not on every sale."""
    seconds = getattr(settings, "CATALOG_SALES_STALE_SECONDS", SALES_STALE_SECONDS)
    return int(time.time() // max(1, seconds))


def versioned(name: str, build: Callable[[], Any], *, ttl: int = 3600) -> Any:
    """A value derived from the catalog for the current version: from this process's memory,
    else from the shared cache, else `build()` (then stored in both). A value that shows
    ratings (RATED_VALUES) follows the ratings version as well."""
    version: int | str = catalog_version()
    if name in RATED_VALUES:
        version = f"{version}.{ratings_version()}"
    if name in SALES_VALUES:
        version = f"{version}.s{sales_epoch()}"
    found = _process_memo.get(name)
    if found is not None and found[0] == version:
        return found[1]
    key = f"catalog:{name}:{version}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, ttl)
    if len(_process_memo) >= PROCESS_MEMO_MAX:
        _process_memo.clear()
    _process_memo[name] = (version, value)
    return value


def product_key(slug: str) -> str:
    return PRODUCT_KEY.format(hashlib.sha256(slug.encode()).hexdigest()[:24])


def versions(slug: str) -> tuple[int, int]:
    """(catalog version, product version): from this request's scope when the page's
    lookup has read them already, else in one round trip."""
    memo = _scope.get() or {}
    keys = [k for k in (CATALOG_KEY, product_key(slug)) if k not in memo]
    found = cache.get_many(keys) if keys else {}
    for key in keys:
        value = found.get(key)
        value = int(value) if value is not None else _get_or_seed(key, known_missing=True)
        memo[key] = value
        _remember(key, value)
    return memo[CATALOG_KEY], memo[product_key(slug)]


def _version_keys(key: str, slug: str | None) -> list[str]:
    keys = [CATALOG_KEY] + ([product_key(slug)] if slug is not None else [])
    if _kind_of(key) in RATED_PAGES:
        keys.append(RATINGS_KEY)
    return keys


def lookup(key: str, *, slug: str | None = None) -> tuple[dict | None, tuple]:
    """One round trip: the cached page and the versions it must have been built with.

    Returns (entry or None, current versions). An entry built under older versions is a miss.
    """
    version_keys = _version_keys(key, slug)
    found = cache.get_many([key, *version_keys])
    current = tuple(
        int(found[k]) if found.get(k) is not None else _get_or_seed(k, known_missing=True)
        for k in version_keys
    )
    adopt(key, current, slug=slug)
    entry = found.get(key)
    if entry is not None and tuple(entry.get("versions", ())) == current:
        return entry, current
    return None, current


def adopt(key: str, current: tuple, *, slug: str | None = None) -> tuple:
    """Remember in this request's scope the versions a `lookup` of `key` returned (the
    early page cache looks up first; the full path after a miss reuses its answer)."""
    for name, value in zip(_version_keys(key, slug), current, strict=True):
        _remember(name, value)
    return current


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there (evicted, or never read): start a fresh, higher number
        cache.set(key, _seed(), None)


def bump_catalog() -> None:
    _bump(CATALOG_KEY)


def bump_product_slugs(slugs) -> None:
    for slug in set(slugs):
        _bump(product_key(slug))


def bump_ratings() -> None:
    """A product's approved reviews changed: listings and the home sections show new stars
    (the product's own page is bumped by its slug)."""
    _bump(RATINGS_KEY)


def page_ttl() -> int:
    backend = settings.CACHES["default"]["BACKEND"].lower()
    return PAGE_TTL_SHARED if "redis" in backend or "memcache" in backend else PAGE_TTL_LOCAL


def page_cache_enabled() -> bool:
    return getattr(settings, "CATALOG_PAGE_CACHE", True)


def page_key(kind: str, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"catalog:page:{kind}:{digest}"


def _kind_of(key: str) -> str:
    """The kind a page_key() was made with ("" for any other key)."""
    parts = key.split(":")
    return parts[2] if len(parts) == 4 and parts[:2] == ["catalog", "page"] else ""
