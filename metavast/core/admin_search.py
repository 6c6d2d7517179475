"""Admin search that finds what staff copy from the shop's own pages and messages.

Staff paste numbers from where the shop printed them: an SMS or an email writes an order number
«MV-۳۰۵۵۲۹۲۱» in Persian digits, some keyboards type Arabic-Indic «٣٠٥٥٢٩٢١», and the data is
stored in Latin digits. An invoice is shown as «۱۴۰۵/۰۰۰۰۰۱» but stored as two columns (fiscal
year, number), so no text lookup can find it. ``PersianSearchMixin`` searches the term as typed,
with Latin digits and with Persian digits (stored free text may hold either), and an admin names
how a displayed number maps to its fields with ``search_display_numbers``.
"""

from __future__ import annotations

import re

from metavast.core import text


def search_term_variants(search_term: str) -> list[str]:
    """The term as typed, in Latin digits and in Persian digits; each once, in that order."""
    variants = [search_term, text.to_ascii_digits(search_term), text.to_persian_digits(search_term)]
    return list(dict.fromkeys(variants))


class PersianSearchMixin:
    """Put before ``admin.ModelAdmin``. ``search_display_numbers``: regular expressions over
    the whole term (in Latin digits, surrounding space ignored) whose named groups are field
    names; a match also finds the rows whose fields equal the groups as integers:
    ``(r"(?P<fiscal_year>\\d{4})/(?P<number>\\d{1,9})",)`` finds «۱۴۰۵/۰۰۰۰۰۱»."""

    search_display_numbers: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        variants = search_term_variants(search_term)
        results, may_have_duplicates = super().get_search_results(request, queryset, variants[0])
        for variant in variants[1:]:
            more, duplicates = super().get_search_results(request, queryset, variant)
            results, may_have_duplicates = results | more, may_have_duplicates or duplicates
        latin = text.to_ascii_digits(search_term).strip()
        for pattern in self.search_display_numbers:
            match = re.fullmatch(pattern, latin)
            if match:
                lookup = {field: int(value) for field, value in match.groupdict().items()}
                results = results | queryset.filter(**lookup)
        return results, may_have_duplicates
