"""The thread runner behind the concurrency proofs."""

from __future__ import annotations

import threading

import pytest

from metavast.core.testing import run_concurrently


def test_results_and_exceptions_come_back_in_the_workers_order():
    def fail():
        raise ValueError("boom")

    results = run_concurrently([lambda: 1, fail, lambda: "three"])

    assert results[0] == (1, None)
    assert results[1][0] is None and isinstance(results[1][1], ValueError)
    assert results[2] == ("three", None)


def test_a_worker_still_running_after_the_timeout_fails_the_test():
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match="1 of 2 workers still running"):
            run_concurrently([lambda: None, lambda: release.wait(5)], timeout=0.2)
    finally:
        release.set()
