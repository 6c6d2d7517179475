"""Benchmarks (bench/catalog.py): production settings over plain HTTP on 127.0.0.1.

Production redirects every request to HTTPS; the benchmark talks HTTP to gunicorn directly,
so the redirect is switched off and nothing else changes.
"""

from config.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False

# Its own key space, in case the Redis database is shared with a development server.
CACHES["default"]["KEY_PREFIX"] = "metavast-bench"  # noqa: F405

# The checkout bench places hundreds of orders a minute, 16 buyers all from 127.0.0.1: the
# placing limits (a guard against floods, metavast.orders.limits) still count every order,
# but at thresholds the bench never reaches, so it measures the shop and not the limiter.
ORDER_PLACE_LIMIT_PER_CUSTOMER = (10**9, 60)
ORDER_PLACE_LIMIT_PER_IP = (10**9, 60)
