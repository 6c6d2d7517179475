"""Data categories whose data lives in apps above legal (a registry they fill at start-up).

The package builder (metavast.legal.package) knows how to collect the categories of the apps
below it (accounts, orders, invoices, payments). A higher app (reviews: the evidence kept by
its legal holds) cannot be imported here, so it registers a collector in its AppConfig.ready:

    register_collector(DataCategory.HELD_CONTENT, collect_held_content)

A collector is called once per customer in scope as fn(user_ids, period_start, period_end)
with period_start/period_end the scope's bounds as aware datetimes ([start, end)), and
returns a JSON-able list. It runs inside the package build's transaction and audits what it
reads itself. A category whose app did not register (not installed) collects an empty list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

Collector = Callable[[Sequence[int], dt.datetime, dt.datetime], list[Any]]

_collectors: dict[str, Collector] = {}


def register_collector(category: str, fn: Collector) -> None:
    """Register (or, on a repeated ready(), replace) the collector of `category`."""
    _collectors[str(category)] = fn


def registered(category: str) -> Collector | None:
    return _collectors.get(str(category))
