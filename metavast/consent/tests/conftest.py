from __future__ import annotations

import pytest

from metavast.consent import registry
from metavast.consent.models import CookieCategory


@pytest.fixture
def analytics_feature():
    """A non-necessary feature in use, for as long as the test runs."""
    feature = registry.register(
        registry.Feature(
            key="test-analytics",
            category=CookieCategory.ANALYTICS,
            label="آمار بازدید آزمایشی",
            purpose="شمارش بازدید صفحه‌ها به‌صورت کلی",
            cookies=(registry.Item("_test_visits", "شمارش بازدید", "یک سال"),),
        )
    )
    yield feature
    registry.unregister(feature.key)


@pytest.fixture
def marketing_feature():
    feature = registry.register(
        registry.Feature(
            key="test-marketing",
            category=CookieCategory.MARKETING,
            label="سنجش تبلیغات آزمایشی",
            purpose="دانستن اینکه بازدیدکننده از کدام تبلیغ آمده است",
        )
    )
    yield feature
    registry.unregister(feature.key)
