import pytest

from metavast.analytics import buffer


@pytest.fixture(autouse=True)
def _empty_analytics_queue():
    """No event of another test (held in this process's batch) leaks into this one."""
    buffer.clear()
    yield
    buffer.clear()
