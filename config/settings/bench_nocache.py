"""Benchmarks with the catalog's page cache off: every page is rendered from the database.

The small shared caches (category tree, facets, header fragments) stay on, as in a running
shop; only whole pages are never served from the cache.
"""

from config.settings.bench import *  # noqa: F403

CATALOG_PAGE_CACHE = False
