"""Benchmarks: production settings served over plain HTTP on 127.0.0.1."""

from config.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
