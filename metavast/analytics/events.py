"""What a request counts for, decided in the request and reduced at once to aggregates' keys.

`request_event` turns a finished request into one small event, or None when nothing is
counted: a bot, a prefetch, the admin, the API, a static file, an error, an HTMX fragment
(except the add-to-cart it carries). The event keeps only what the aggregate tables keep:

    [unix time, visitor hash or "", device class or "", referrer domain or "", [[metric, key], ...]]

The IP and user agent are used for the salted visitor hash and the device class, then
dropped; the Referer header is cut to its host; a search term is normalised as the catalog
normalises it and dropped ("" key) when it looks like personal data (an email address, a
phone or card number). No cookie, session or user is read.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

from metavast.analytics.models import Metric
from metavast.analytics.salts import tehran_day, visitor_digest
from metavast.catalog.search import clean_query
from metavast.catalog.services.misses import miss_key

BOT_UA = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|scan|monitor|preview|lighthouse|pagespeed|"
    r"headless|phantom|selenium|playwright|puppeteer|curl|wget|httpie|python|java/|"
    r"go-http|okhttp|axios|node-fetch|libwww|scrapy|facebookexternalhit|whatsapp|telegram",
    re.IGNORECASE,
)
TABLET_UA = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.IGNORECASE)
PHONE_UA = re.compile(r"mobi|iphone|ipod|android|windows phone|blackberry|opera mini", re.I)
PERSONAL_TERM = re.compile(r"@|\d{6,}")

CHECKOUT_STEPS = {
    "checkout:start": "start",
    "checkout:address": "address",
    "checkout:shipping": "shipping",
    "checkout:review": "review",
}
SKIPPED_NAMESPACES = ("admin", "api")


def is_bot(meta) -> bool:
    """Crawlers and tools by their user agent; no Accept-Language (browsers always send
    one); link prefetch and previews, which are not a person looking at a page."""
    ua = meta.get("HTTP_USER_AGENT", "")
    if not ua or BOT_UA.search(ua):
        return True
    if not meta.get("HTTP_ACCEPT_LANGUAGE"):
        return True
    purpose = " ".join(
        meta.get(h, "")
        for h in ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
    ).lower()
    return "prefetch" in purpose or "preview" in purpose or "prerender" in purpose


def device_class(user_agent: str) -> str:
    if TABLET_UA.search(user_agent):
        return "tablet"
    if PHONE_UA.search(user_agent):
        return "phone"
    return "desktop"


def referrer_domain(meta, own_host: str) -> str:
    """The referring site's host, lower-cased, without "www." or a port; "" for our own."""
    try:
        host = (urlsplit(meta.get("HTTP_REFERER", "")).hostname or "").lower()
    except ValueError:
        return ""
    own = own_host.split(":")[0].lower()
    host = host.removeprefix("www.")
    if not host or host == own.removeprefix("www."):
        return ""
    return host[:100]


def search_key(raw: str) -> str | None:
    """The term a search is counted under; "" when it looks personal; None when empty."""
    if not clean_query(raw):
        return None
    if PERSONAL_TERM.search(clean_query(raw).replace(" ", "")):
        return ""
    return miss_key(raw)


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def request_event(request, response, *, now: float | None = None) -> list | None:
    match = getattr(request, "resolver_match", None)
    if match is None or response.status_code >= 400:
        return None
    if match.namespaces and match.namespaces[0] in SKIPPED_NAMESPACES:
        return None
    meta = request.META
    if is_bot(meta):
        return None
    view = match.view_name
    fragment = meta.get("HTTP_HX_REQUEST") == "true"
    pairs: list[list[str]] = []
    page = request.method == "GET" and not fragment and response.status_code == 200
    page = page and _is_html(response)
    if page:
        pairs.append([Metric.PAGE_VIEW, ""])
        if view == "catalog:product":
            pairs.append([Metric.PRODUCT_VIEW, str(match.kwargs.get("slug", ""))[:100]])
        elif view == "catalog:search":
            key = search_key(request.GET.get("q", ""))
            if key is not None:
                pairs.append([Metric.SEARCH, key])
        elif view in CHECKOUT_STEPS:
            pairs.append([Metric.CHECKOUT_STEP, CHECKOUT_STEPS[view]])
    elif request.method == "POST" and view == "cart:add":
        pairs.append([Metric.ADD_TO_CART, ""])
    elif (
        request.method == "POST"
        and view == "checkout:place"
        and response.status_code
        in (
            302,
            303,
        )
    ):
        pairs.append([Metric.CHECKOUT_STEP, "place"])
    if not pairs:
        return None
    moment = time.time() if now is None else now
    digest = device = referrer = ""
    if page:
        ua = meta.get("HTTP_USER_AGENT", "")
        host = request.get_host()
        digest = visitor_digest(
            day=tehran_day(datetime.fromtimestamp(moment, UTC)),
            ip=getattr(request, "client_ip", "") or meta.get("REMOTE_ADDR", ""),
            user_agent=ua,
            site=getattr(settings, "SITE_URL", "") or host,
        )
        device = device_class(ua)
        referrer = referrer_domain(meta, host)
    return [int(moment), digest, device, referrer, pairs]
