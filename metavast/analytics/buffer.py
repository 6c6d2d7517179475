"""The queue between the request and the fold: a Redis list, or memory without Redis.

The middleware only appends one short JSON line per counted request (no IP, no user agent,
no cookie: those are already reduced to a device class, a domain and a salted hash). With
Redis (production, tests) it is one RPUSH to a list every worker shares, and the fold task
(any worker) takes a batch off the front. The embedded default has no Redis: the list is a
bounded deque in this process, which the embedded scheduler's fold (same process) drains.

A round trip to Redis per page costs more than the counting itself on a loaded machine, so
each process sends its events in batches: at BATCH_EVENTS events, or with the first event
after BATCH_SECONDS, or when the process exits (atexit). A quiet worker may hold a few
events until its next request. `drain` and `pending` send this process's batch first.

If the fold dies after taking a batch, that batch is lost: these are statistics, and the
alternative (a processing list and acknowledgements) is not worth its cost here.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import threading
import time
from collections import deque

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

MEMORY_MAX_EVENTS = 100_000  # without Redis: beyond this the oldest events are dropped
BATCH_EVENTS = 50
BATCH_SECONDS = 2.0
_memory: deque[str] = deque(maxlen=MEMORY_MAX_EVENTS)
_memory_lock = threading.Lock()
_batch: list[str] = []
_batch_started = 0.0
_batch_lock = threading.Lock()


def _redis_client():
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True), backend.make_key("analytics:events")
    return None, None


def push(event: list) -> None:
    global _batch_started
    line = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    if not isinstance(caches["default"], RedisCache):
        _memory.append(line)
        return
    now = time.monotonic()
    with _batch_lock:
        if not _batch:
            _batch_started = now
        _batch.append(line)
        due = len(_batch) >= BATCH_EVENTS or now - _batch_started >= BATCH_SECONDS
    if due:
        flush()


def flush() -> None:
    """Send this process's batch to Redis."""
    client, key = _redis_client()
    with _batch_lock:
        lines = _batch[:]
        _batch.clear()
    if not lines:
        return
    if client is None:
        _memory.extend(lines)
    else:
        client.rpush(key, *lines)


@atexit.register
def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # the process is going away; nothing to tell
        flush()


def drain(limit: int) -> list[list]:
    """Take up to `limit` events off the front of the queue."""
    flush()
    client, key = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=True)
        pipe.lrange(key, 0, limit - 1)
        pipe.ltrim(key, limit, -1)
        lines, _ = pipe.execute()
    else:
        with _memory_lock:
            lines = [_memory.popleft() for _ in range(min(limit, len(_memory)))]
    return [json.loads(line) for line in lines]


def pending() -> int:
    flush()
    client, key = _redis_client()
    return client.llen(key) if client is not None else len(_memory)


def clear() -> None:
    client, key = _redis_client()
    if client is not None:
        client.delete(key)
    _memory.clear()
    with _batch_lock:
        _batch.clear()
