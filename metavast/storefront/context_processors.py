from django.conf import settings
from django.core.cache import cache

from metavast.cart.web import request_cart_count
from metavast.storefront.models import Page

_FOOTER_KEY = "storefront:footer-pages:v1"


def footer_pages() -> list[dict]:
    pages = cache.get(_FOOTER_KEY)
    if pages is None:
        pages = list(Page.objects.published().filter(show_in_footer=True).values("slug", "title"))
        cache.set(_FOOTER_KEY, pages, 300)
    return pages


def invalidate_footer() -> None:
    cache.delete(_FOOTER_KEY)


def site(request):
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "footer_pages": footer_pages,
        # Called by the template only where the header renders (one query at most).
        "cart_count": lambda: request_cart_count(request),
    }
