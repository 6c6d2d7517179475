"""Services queue their own app's tasks by name (`task_queue`), so tasks.py, which imports
the services, is never imported back."""

import pytest

from metavast.core.queue import task_queue


@pytest.mark.django_db
def test_a_task_is_queued_by_its_registered_name():
    # Eager in tests: the task runs and its result is there.
    assert task_queue("metavast.orders.tasks.expire_unpaid_orders").get() == 0


def test_an_unknown_name_fails_loudly_instead_of_going_to_a_broker():
    with pytest.raises(KeyError):
        task_queue("metavast.orders.tasks.no_such_task")
