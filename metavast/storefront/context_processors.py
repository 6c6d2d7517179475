import time

from django.conf import settings
from django.core.cache import cache

from metavast.cart.web import request_cart_count
from metavast.storefront.models import Page

_FOOTER_KEY = "storefront:footer-pages:v1"
# Every page shows the footer: the process keeps the list for a second or two (as core.vat
# keeps the day's rate), so a busy worker asks the shared cache about once a second, not once
# per page. An edit shows at once in this process and within _LOCAL_SECONDS in the others.
_LOCAL_SECONDS = 2.0
_local: list[tuple[float, list[dict]]] = []


def footer_pages() -> list[dict]:
    now = time.monotonic()
    if _local and _local[0][0] > now:
        return _local[0][1]
    pages = cache.get(_FOOTER_KEY)
    if pages is None:
        pages = list(Page.objects.published().filter(show_in_footer=True).values("slug", "title"))
        cache.set(_FOOTER_KEY, pages, 300)
    _local[:] = [(now + _LOCAL_SECONDS, pages)]
    return pages


def invalidate_footer() -> None:
    _local.clear()
    cache.delete(_FOOTER_KEY)


def site(request):
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "footer_pages": footer_pages,
        # Called by the template only where the header renders (one query at most).
        "cart_count": lambda: request_cart_count(request),
    }
