"""The yearly transparency report: counts only, by Jalali year, authority type and outcome.

No personal data and no letter numbers: a row of the register contributes one to one cell.
The year is the Jalali year (Tehran time) in which the request was recorded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from metavast.core.jalali import jalali_fiscal_year
from metavast.legal.models import (
    OUTCOME_DISCLOSED,
    OUTCOME_OF_STATUS,
    OUTCOME_OPEN,
    OUTCOME_REJECTED,
    OUTCOME_UNCOLLECTED,
    OUTCOME_WITHDRAWN,
    AuthorityType,
    DisclosureRequest,
)

OUTCOMES = (
    (OUTCOME_DISCLOSED, "اطلاعات ارائه شد"),
    (OUTCOME_REJECTED, "رد شد"),
    (OUTCOME_WITHDRAWN, "پس گرفته شد"),
    (OUTCOME_UNCOLLECTED, "تأیید شد ولی تحویل نشد"),
    (OUTCOME_OPEN, "در جریان"),
)


@dataclass(frozen=True)
class Row:
    label: str
    counts: list[int]  # in OUTCOMES order
    total: int


@dataclass(frozen=True)
class Year:
    year: int
    rows: list[Row]


def transparency_report() -> list[Year]:
    """Newest year first; every authority type listed in each year that had a request."""
    cells: Counter[tuple[int, str, str]] = Counter()
    years = set()
    for created_at, authority_type, status in DisclosureRequest.objects.values_list(
        "created_at", "authority_type", "status"
    ):
        year = jalali_fiscal_year(created_at)
        years.add(year)
        cells[(year, authority_type, OUTCOME_OF_STATUS[status])] += 1
    report = []
    for year in sorted(years, reverse=True):
        rows = []
        for authority_type, label in AuthorityType.choices:
            counts = [cells[(year, authority_type, outcome)] for outcome, _ in OUTCOMES]
            rows.append(Row(label=label, counts=counts, total=sum(counts)))
        report.append(Year(year=year, rows=rows))
    return report
