"""Test helpers other apps may import (never used by production code).

`run_concurrently` is how our PostgreSQL concurrency proofs race real threads: every
worker waits at one barrier so they start together, each thread has (and closes) its own
database connection, and an exception is returned in the worker's place instead of being
lost in the thread, so the test asserts on it like on a result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def run_concurrently(
    workers: Sequence[Callable[[], Any]], *, timeout: float = 120
) -> list[tuple[Any, BaseException | None]]:
    """Start every callable at the same instant; return [(result, exception)] in order.

    Exactly one of the pair is meaningful: (result, None) when the worker returned,
    (None, exception) when it raised. Fails the test if a worker is still running after
    ``timeout`` seconds (a deadlock or a lost wake-up).
    """
    barrier = threading.Barrier(len(workers))
    results: list[tuple[Any, BaseException | None]] = [(None, None)] * len(workers)

    def run(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = (work(), None)
        except BaseException as exc:  # handed back to the test's thread
            results[index] = (None, exc)
        finally:
            # Each thread opened its own connections; leave none behind for the test DB.
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, work)) for index, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = sum(thread.is_alive() for thread in threads)
    assert not hung, f"{hung} of {len(threads)} workers still running (deadlock?)"
    return results
