"""Django's Redis cache, where a Redis outage is a cache miss for pages and a refusal for limits.

Pages only *use* the cache to go faster: when Redis is stopped, `get` answers "not cached"
and `set`/`delete` do nothing (logged), so the shop keeps serving from the database. Counters
are different: `add`, `incr` and `decr` still raise, because the send limits of SMS codes and
link emails (metavast/accounts/limits.py) and the order-placing limits must fail closed, not
turn an outage into an unmetered SMS pump. Everything recovers by itself when Redis returns:
the client reconnects on its next command.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)
_LOG_EVERY_SECONDS = 10.0


class _Quiet:
    last = 0.0


def _note(operation: str, exc: Exception) -> None:
    # Once every few seconds, not once per request: an outage must not flood the logs.
    now = time.monotonic()
    if now - _Quiet.last > _LOG_EVERY_SECONDS:
        _Quiet.last = now
        log.warning(
            "cache unavailable: %s treated as a miss",
            operation,
            extra={"error": type(exc).__name__},
        )


class _SharedClient(RedisCacheClient):
    """One redis.Redis per connection pool, not a new one per cache call: Django builds a
    client object for every get/set (about 0.1 ms of CPU each, several per page). A Redis
    client is safe to share between threads; its pool checks the process id after a fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class MissOnOutageRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except Exception as exc:
            _note("get", exc)
            return default

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        # BaseCache's would fill the cache with add(), which raises on an outage.
        value = self.get(key, self._missing_key, version=version)
        if value is self._missing_key:
            value = default() if callable(default) else default
            if value is not None:
                try:
                    self.add(key, value, timeout=timeout, version=version)
                except Exception as exc:
                    _note("get_or_set", exc)
                    return value
                # Another process may have filled it first: theirs wins, as in Django.
                return self.get(key, value, version=version)
        return value

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except Exception as exc:
            _note("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except Exception as exc:
            _note("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except Exception as exc:
            _note("set", exc)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except Exception as exc:
            _note("set_many", exc)
            return list(data)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except Exception as exc:
            _note("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except Exception as exc:
            _note("delete_many", exc)
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except Exception as exc:
            _note("touch", exc)
            return False
