import pytest

from metavast.marketing.tests.factories import seed_world
from metavast.orders.tests.factories import shop  # noqa: F401


@pytest.fixture
def world(shop):  # noqa: F811
    """Seeded customers: who bought what, where, and who said yes to what."""
    return seed_world()
