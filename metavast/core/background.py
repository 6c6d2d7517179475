"""Background threads for tasks in the embedded default, so no request waits for one.

Production queues tasks on Redis and Celery workers run them. The embedded default
(`make run`) has no broker, so Celery runs in eager mode: a task runs right where
`.delay()` is called. Tasks are queued with `transaction.on_commit`, and on_commit callbacks
run in the thread that committed: the request's. A slow SMTP server, SMS provider or PDF
would then hold the customer's page.

The seam is the project's Celery task class (`config.celery.Task`). When Celery is eager
and EMBEDDED_BACKGROUND_TASKS is on (local settings, without a broker), its `apply_async`
checks that the arguments serialise (as a broker would), hands the rest of the call to
`submit()` and returns at once. A small pool of threads in this process then runs Celery's
own eager path (`apply_async` -> `apply()`): same serialisation round trip, same retries
and errors as before, only on another thread. A task queued from one of these threads (or
from the embedded scheduler's) runs inline there, so work never fans out without bound.
Tests leave the setting off and keep running tasks inline, in the test's thread.

Each job closes its thread's database connections when it ends. Nothing here is durable: a
task queued but not run when the process stops is lost, as with a broker that loses a
message. Every task that matters has a periodic sweep behind it (outbox delivery, invoice
submission, payment reconciliation, order expiry), which the embedded scheduler runs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

MAX_THREADS = 2  # SQLite has one writer anyway; two keep a slow SMTP from blocking the rest
_state = threading.local()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def in_background() -> bool:
    return getattr(_state, "active", False)


@contextlib.contextmanager
def background_thread() -> Iterator[None]:
    """Mark this thread as a background one: tasks queued here run inline."""
    previous = in_background()
    _state.active = True
    try:
        yield
    finally:
        _state.active = previous


def should_defer(*, eager: bool) -> bool:
    return bool(
        eager
        and settings.configured
        and getattr(settings, "EMBEDDED_BACKGROUND_TASKS", False)
        and not in_background()
    )


def _run(name: str, job: Callable[[], object]) -> None:
    with background_thread():
        try:
            job()
        except Exception:
            logger.exception("background task failed", extra={"task_name": name})
        finally:
            connections.close_all()


def submit(name: str, job: Callable[[], object]) -> Future:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="metavast-task")
        future = _executor.submit(_run, name, job)
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until every submitted task has finished; False if the timeout came first."""
    with _lock:
        pending = set(_pending)
    _done, not_done = wait_futures(pending, timeout=timeout)
    return not not_done


def shutdown(*, wait: bool = True) -> None:
    """Run what is queued (wait=True), then stop the threads; a later submit starts anew."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait)
