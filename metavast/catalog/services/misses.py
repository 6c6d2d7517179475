"""Searches that found nothing, counted per normalised query so staff can fix the catalog.

Only the query text, a count and the first/last day are kept: no user, IP, session or exact
time. Queries that look like personal data (an email address, a phone or card number) are
not recorded at all.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from metavast.catalog.models import ZeroResultQuery
from metavast.catalog.search import clean_query

_PERSONAL = re.compile(r"@|\d{6,}")


def search_miss_record(*, query: str) -> ZeroResultQuery | None:
    key = clean_query(query)
    if not key or _PERSONAL.search(key.replace(" ", "")):
        return None
    today = timezone.localdate()
    with transaction.atomic():
        updated = ZeroResultQuery.objects.filter(query=key).update(
            count=F("count") + 1, last_seen=today
        )
        if not updated:
            try:
                with transaction.atomic():
                    return ZeroResultQuery.objects.create(
                        query=key, count=1, first_seen=today, last_seen=today
                    )
            except IntegrityError:  # another request created it first
                ZeroResultQuery.objects.filter(query=key).update(
                    count=F("count") + 1, last_seen=today
                )
    return ZeroResultQuery.objects.filter(query=key).first()
