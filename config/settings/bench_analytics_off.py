"""bench/analytics.py: the bench settings with analytics counting switched off."""

from config.settings.bench import *  # noqa: F403

ANALYTICS_ENABLED = False
