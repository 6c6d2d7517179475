"""Searches that found nothing, counted per normalised query so staff can fix the catalog.

Only the query text, a count and the first/last day are kept: no user, IP, session or exact
time. Queries that look like personal data (an email address, a phone or card number) are
not recorded at all.

A miss costs one statement: an upsert (`INSERT ... ON CONFLICT (query) DO UPDATE SET
count = count + 1`, the same SQL on PostgreSQL and SQLite) that also returns the row, so
concurrent misses of one query never race between a read and a write, and a miss never
opens a transaction of its own. The stored text is capped (MAX_STORED_CHARS, whole words)
so a flood of long, unique queries cannot grow the table by much per request.
"""

from __future__ import annotations

import re

from django.utils import timezone

from metavast.catalog.models import ZeroResultQuery
from metavast.catalog.search import MAX_WORDS, clean_query

_PERSONAL = re.compile(r"@|\d{6,}")
MAX_STORED_CHARS = 64

_TABLE = ZeroResultQuery._meta.db_table
_UPSERT = (
    f'INSERT INTO "{_TABLE}" ("query", "count", "first_seen", "last_seen")'  # noqa: S608
    " VALUES (%s, 1, %s, %s)"
    ' ON CONFLICT ("query") DO UPDATE'
    f' SET "count" = "{_TABLE}"."count" + 1, "last_seen" = excluded."last_seen"'
    ' RETURNING "id", "query", "count", "first_seen", "last_seen"'
)


def miss_key(query: str) -> str:
    """The text a miss is counted under: the normalised query, at most MAX_WORDS words and
    MAX_STORED_CHARS characters (cut at a word boundary when there is one)."""
    key = " ".join(clean_query(query).split()[:MAX_WORDS])
    if len(key) > MAX_STORED_CHARS:
        cut = key[:MAX_STORED_CHARS]
        key = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return key.strip()


def search_miss_record(*, query: str) -> ZeroResultQuery | None:
    if _PERSONAL.search(clean_query(query).replace(" ", "")):
        return None
    key = miss_key(query)
    if not key:
        return None
    today = timezone.localdate()
    # A write through raw(), which Django routes as a read: named for the primary, never the
    # read-only replica that serves catalog reads (issue 17, metavast/core/db_router.py).
    rows = list(ZeroResultQuery.objects.db_manager("default").raw(_UPSERT, [key, today, today]))
    return rows[0] if rows else None
