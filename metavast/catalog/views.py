"""Storefront pages of the catalog: category listing, product page, search, suggestions.

Anonymous pages are cached whole (see `_cached`), but only for requests that carry no
session or messages cookie: such a request is certainly anonymous and has nothing personal
to show, so the page every such visitor gets is the same. Anyone with a session gets a
fresh render. Responses that set a cookie are never stored. A stored page is normally
served by `early_cache.EarlyPageCacheMiddleware`, before sessions and auth, through these
same views (see `NotCached`).
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.static import serve as static_serve

from metavast.catalog import cache as catalog_cache
from metavast.catalog import listing, search, search_suggest
from metavast.catalog.colours import variant_swatch
from metavast.catalog.facets import facet_counts
from metavast.catalog.models import Product, ProductImage, ProductSpec, Variant
from metavast.catalog.services import search_miss_record
from metavast.catalog.tree import category_tree
from metavast.core.money import format_toman
from metavast.core.text import to_ascii_digits, to_persian_digits
from metavast.core.vat import display_gross

SUGGESTIONS = 6


def _is_htmx(request: HttpRequest) -> bool:
    """An htmx swap wants the fragment; a history restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _sales(filters) -> str:
    """A page sorted by sales is keyed by the sales epoch: rebuilt once per epoch, not after
    every sale (catalog.cache)."""
    return f"|s{catalog_cache.sales_epoch()}" if filters.sort == "bestselling" else ""


def _cacheable(request: HttpRequest) -> bool:
    return (
        catalog_cache.page_cache_enabled()
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        # A cookie choice changes the page (the banner): only the no-choice page is shared.
        and settings.CONSENT_COOKIE_NAME not in request.COOKIES
    )


class NotCached(Exception):
    """Raised instead of rendering when only a cached page may be served (early_cache)."""


# Set on a request by the early page-cache middleware (early_cache): serve a stored page or
# raise NotCached, never render. After a miss it holds (key, versions) of that lookup, so
# the full path that follows does not ask the cache the same question again.
EARLY_ATTRIBUTE = "_catalog_early"


def _cached(request: HttpRequest, key: str, render_page, *, slug: str | None = None):
    """Serve `key` from the cache or render and store it. render_page returns
    (response, extra) where extra is stored beside the page and returned on a hit."""
    if not _cacheable(request):
        if getattr(request, EARLY_ATTRIBUTE, None) is True:
            raise NotCached
        return render_page()
    early = getattr(request, EARLY_ATTRIBUTE, None)
    if early is not None and early is not True and early[0] == key:
        hit, versions = None, catalog_cache.adopt(key, early[1], slug=slug)
    else:
        hit, versions = catalog_cache.lookup(key, slug=slug)
    if hit is None and early is True:
        setattr(request, EARLY_ATTRIBUTE, (key, versions))
        raise NotCached
    if hit is not None:
        response = HttpResponse(hit["content"], content_type=hit["content_type"])
        response["X-Catalog-Cache"] = "hit"
        return response, hit["extra"]
    response, extra = render_page()
    if response.status_code == 200 and not response.cookies:
        entry = {
            "content": response.content,
            "content_type": response["Content-Type"],
            "extra": extra,
            "versions": versions,
        }
        cache.set(key, entry, catalog_cache.page_ttl())
    return response, extra


def _catalog_request(view):
    """Catalog pages read the catalog version once per request (see catalog.cache)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with catalog_cache.request_scope():
            return view(request, *args, **kwargs)

    return wrapped


def _vary(response: HttpResponse) -> HttpResponse:
    response["Vary"] = "HX-Request, Cookie"
    return response


def _listing_context(request, result, *, base_path: str) -> dict:
    filters = result.filters
    return {
        "result": result,
        "filters": filters,
        "sorts": [
            (key, label, f"{base_path}?{filters.querystring(sort=key, page=None)}")
            for key, label in listing.SORTS.items()
            if key != "relevance" or filters.query
        ],
        "base_path": base_path,
        "next_url": f"{base_path}?{filters.querystring(page=filters.page + 1)}",
        "previous_url": f"{base_path}?{filters.querystring(page=filters.page - 1)}",
        "first_url": f"{base_path}?{filters.querystring(page=None)}".rstrip("?"),
        "page_text": to_persian_digits(filters.page),
        "pages_text": to_persian_digits(result.pages),
        "count_text": to_persian_digits(result.count),
        "min_toman": filters.min_price // 10 if filters.min_price is not None else "",
        "max_toman": filters.max_price // 10 if filters.max_price is not None else "",
        "MEDIA_URL": settings.MEDIA_URL,
    }


def _facets_view(facets: dict, filters) -> dict:
    """Facets with the shopper's current choices ticked (decided here, not in the template)."""
    brands = set(filters.brands)
    return {
        "brands": [{**b, "checked": b["slug"] in brands} for b in facets["brands"]],
        "attributes": [
            {
                **a,
                "values": [
                    {**v, "checked": v["key"] in filters.specs.get(a["slug"], ())}
                    for v in a["values"]
                ],
            }
            for a in facets["attributes"]
        ],
    }


@require_GET
@_catalog_request
def category(request: HttpRequest, slug: str) -> HttpResponse:
    # Best-selling (in stock first) by default: what a shopper used to Digikala expects.
    filters = listing.parse_filters(request.GET, default_sort="bestselling")
    filters.query = ""  # the category page does not search; /search/ does
    htmx = _is_htmx(request)
    key = catalog_cache.page_key("category", f"{slug}|{filters.identity()}|{htmx}{_sales(filters)}")

    def render_page():
        tree = category_tree()
        node = tree.find(slug)
        if node is None:
            raise Http404
        filters.category = node
        result = listing.browse(filters, media_url=settings.MEDIA_URL)
        context = _listing_context(request, result, base_path=node.url)
        # Counts follow the other filters; an htmx swap refreshes them out of band.
        context["facets"] = _facets_view(facet_counts(node, filters), filters)
        status = 404 if result.is_past_end else 200
        if htmx:
            context["facets_oob"] = True
            return render(request, "catalog/partials/results.html", context, status=status), None
        context.update(
            node=node,
            lineage=tree.lineage(node.id),
            children=tree.children_of(node.id),
            canonical=node.url + (f"?page={filters.page}" if filters.page > 1 else ""),
        )
        return render(request, "catalog/category.html", context, status=status), None

    response, _ = _cached(request, key, render_page)
    return _vary(response)


@require_GET
@_catalog_request
def search_page(request: HttpRequest) -> HttpResponse:
    filters = listing.parse_filters(request.GET, default_sort="relevance")
    htmx = _is_htmx(request)
    key = catalog_cache.page_key("search", f"{filters.identity()}|{htmx}{_sales(filters)}")

    def render_page():
        if not filters.query:
            context = _listing_context(
                request,
                listing.Result(filters=filters, items=[], count=0, pages=1),
                base_path="/search/",
            )
            context["roots"] = category_tree().children_of(None)
            return render(request, "catalog/search.html", context), False
        # Facets on htmx swaps too: their counts follow the filters (sent out of band).
        result = listing.browse(filters, media_url=settings.MEDIA_URL, with_facets=True)
        context = _listing_context(request, result, base_path="/search/")
        context.update(
            query=result.shown_query,
            roots=category_tree().children_of(None),
            facets=_facets_view(result.facets, filters) if result.facets else None,
            facets_oob=htmx and bool(result.facets),
            corrected_url="/search/?" + urlencode({"q": result.corrected_query}),
        )
        template = "catalog/partials/results.html" if htmx else "catalog/search.html"
        status = 404 if result.is_past_end else 200
        return render(request, template, context, status=status), result.is_miss

    response, is_miss = _cached(request, key, render_page)
    if is_miss and filters.page == 1 and not htmx:
        search_miss_record(query=filters.query)
    response["X-Robots-Tag"] = "noindex"
    return _vary(response)


@require_GET
@_catalog_request
def suggest(request: HttpRequest) -> HttpResponse:
    """Titles and categories while the shopper types (htmx fills a list under the box)."""
    typed = (request.GET.get("q") or "")[: search.MAX_QUERY_CHARS].replace("\x00", "").strip()
    query = search.clean_query(typed)
    if len(query) < 2:
        return HttpResponse("")
    key = catalog_cache.page_key("suggest", f"{query}|{typed}")

    def render_page():
        # The same understanding as /search/: sound-alikes, synonyms, corrections.
        understanding = search.understand(query, probe=search_suggest.probe)
        products = []
        if search.is_indexable(understanding):  # «گو»: two letters are in too many words
            # From the small per-version index (search_suggest), not a ranked SQL search.
            products = search_suggest.suggestions(understanding, SUGGESTIONS)
        html = render_to_string(
            "catalog/partials/suggest.html",
            {
                "products": products,
                "categories": listing.closest_categories(understanding, limit=3),
                "query": typed,
                "corrected": understanding.corrected_query if understanding.is_corrected else "",
            },
        )
        return HttpResponse(html), None

    response, _ = _cached(request, key, render_page)
    return response


def _product_for_page(slug: str) -> Product:
    try:
        return (
            Product.objects.visible()
            # The category comes from the cached tree (lineage); the search columns are
            # the index's, never shown.
            .select_related("brand")
            .defer("search_title", "search_key", "search_words")
            .get(slug=slug)
        )
    except Product.DoesNotExist:
        raise Http404 from None


def _product_parts(item: Product) -> tuple[list[Variant], list[ProductImage], list[ProductSpec]]:
    """The page's variants, images and specifications: three plain queries by the product's
    id (prefetch_related's machinery cost about 15 % more CPU for the same three)."""
    return (
        list(Variant.objects.active().filter(product_id=item.pk)),
        list(ProductImage.objects.filter(product_id=item.pk)),
        list(ProductSpec.objects.filter(product_id=item.pk).select_related("attribute")),
    )


def _variant_view(variant: Variant) -> dict:
    discount = 0
    if variant.compare_at_price and variant.compare_at_price > variant.price:
        discount = round(
            100 * (variant.compare_at_price - variant.price) / variant.compare_at_price
        )
    available = variant.available
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "label": variant.label or variant.sku,
        "swatch": variant_swatch(variant.options),  # a colour dot beside the label
        # Shoppers see prices with VAT included (metavast.core.vat).
        "price": display_gross(variant.price),
        "price_text": format_toman(display_gross(variant.price)),
        "compare_text": format_toman(display_gross(variant.compare_at_price)) if discount else "",
        "discount_text": to_persian_digits(discount) if discount else "",
        "available": available,
        "few_left_text": to_persian_digits(available) if 0 < available <= 3 else "",
    }


def _chosen_variant(variants: list[Variant], raw: str | None) -> Variant | None:
    if raw and raw.isdigit():
        for variant in variants:
            if variant.pk == int(raw):
                return variant
    buyable = [v for v in variants if v.available > 0]
    pool = buyable or variants
    return min(pool, key=lambda v: (v.price, v.position, v.pk)) if pool else None


@require_GET
@_catalog_request
def product(request: HttpRequest, slug: str) -> HttpResponse:
    htmx = _is_htmx(request)
    raw_variant = request.GET.get("v", "")
    # Persian digits are fine; other "digits" (², ①) are not numbers int() accepts.
    raw_variant = to_ascii_digits(raw_variant)
    raw_variant = (
        raw_variant
        if raw_variant.isascii() and raw_variant.isdigit() and len(raw_variant) < 19
        else ""
    )
    key = catalog_cache.page_key("product", f"{slug}|{raw_variant}|{htmx}")

    def render_page():
        # The catalog and product versions in one round trip: the visibility rules and the
        # reviews block both need them (catalog.cache keeps them for the request).
        catalog_cache.versions(slug)
        item = _product_for_page(slug)
        variants, images, specs = _product_parts(item)
        chosen = _chosen_variant(variants, raw_variant)
        context = {
            "product": item,
            "variants": [_variant_view(v) for v in variants],
            "chosen": _variant_view(chosen) if chosen else None,
            "images": images,
            "specs": specs,
            "lineage": category_tree().lineage(item.category_id),
            "canonical": item.get_absolute_url(),
            "MEDIA_URL": settings.MEDIA_URL,
        }
        template = "catalog/partials/buybox.html" if htmx else "catalog/product.html"
        return render(request, template, context), None

    response, _ = _cached(request, key, render_page, slug=slug)
    return _vary(response)


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Product images in the embedded default (settings.SERVE_MEDIA); production's web server
    serves MEDIA_ROOT itself. MEDIA_ROOT is read per request so tests can move it."""
    return static_serve(request, path, document_root=settings.MEDIA_ROOT)


def _sitemap_cached(view):
    """A sitemap view cached under the catalog version, like the pages: hiding a category,
    adding or unpublishing a product changes the next sitemap, not the one an hour later.
    The sitemap is the same for everyone, so cookies do not matter here; the host does (its
    URLs are absolute)."""

    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not catalog_cache.page_cache_enabled():
            return view(request, *args, **kwargs)
        identity = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        key = catalog_cache.page_key("sitemap", identity)
        hit, versions = catalog_cache.lookup(key)
        if hit is not None:
            response = HttpResponse(hit["content"])
            for name, value in hit["headers"].items():
                response[name] = value
            response["X-Catalog-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if response.status_code == 200 and not response.cookies:
            entry = {
                "content": response.content,
                # Content-Type, X-Robots-Tag and Last-Modified, as the sitemap view set them
                "headers": dict(response.items()),
                "versions": versions,
            }
            cache.set(key, entry, catalog_cache.page_ttl())
        return response

    return require_GET(_catalog_request(cached_view))


sitemap_index = _sitemap_cached(sitemap_views.index)
sitemap_section = _sitemap_cached(sitemap_views.sitemap)


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        tree = category_tree()
        return [n for n in tree.nodes.values() if tree.is_visible(n.id)]

    def location(self, item):
        return item.url


class ProductSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 10_000

    def items(self):
        return Product.objects.visible().order_by("id").only("id", "slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"categories": CategorySitemap, "products": ProductSitemap}
