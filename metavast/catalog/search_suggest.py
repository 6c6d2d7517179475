"""Suggestions while typing, from a small index built once per catalog version.

The box asks on every key press, and every request is a new prefix, so no per-query cache
helps; a ranked search over 100,000 products per key press cost 15-40 ms of SQL. Instead the
distinct titles of the visible products (about 20,000 at 100k products: titles repeat), each
with its best product (in stock first, then best-selling), are indexed once per catalog
version and kept in the shared cache and each worker's memory (`versioned`):

- `entries`: (title, slug, in stock) in rank order, so a lower index is a better product;
- `postings`: each word of the title, brand and category names (and each adjacent pair
  joined, as the search key has them without spaces: «لپ تاپ» is also «لپتاپ») → the entries
  that have it;
- `haystack`: the words, one per line, to find the words that *contain* a typed piece
  (a prefix being typed, «سامسو», is inside «سامسونگ»).

A query is understood exactly as /search/ understands it (search.understand: synonyms,
sound-alikes, corrections), then each piece's words are looked up here: the entries that
have every piece, the first CANDIDATES of them by rank, ordered by how many pieces their
title holds. Specification values are not indexed: a suggestion is a product name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from metavast.catalog.cache import versioned
from metavast.core.text import compact, normalize

CANDIDATES = 200
MAX_WORDS_PER_PIECE = 400  # a two-letter piece is in hundreds of words: enough to rank


@dataclass
class SuggestIndex:
    entries: list[tuple[str, str, bool]] = field(default_factory=list)
    title_keys: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    haystack: str = "\n"

    @classmethod
    def build(cls, rows) -> SuggestIndex:
        """rows: (title, slug, in_stock, search_words) in rank order."""
        index = cls()
        seen: set[str] = set()
        postings: dict[str, list[int]] = {}
        for title, slug, in_stock, words_text in rows:
            if title in seen:
                continue
            seen.add(title)
            position = len(index.entries)
            index.entries.append((title, slug, bool(in_stock)))
            index.title_keys.append(compact(title))
            words = normalize(words_text).split()
            keys = {compact(w) for w in words}
            keys.update(compact(a + b) for a, b in itertools.pairwise(words))
            for key in keys:
                if key:
                    postings.setdefault(key, []).append(position)
        index.postings = postings
        index.haystack = "\n" + "\n".join(postings) + "\n"
        return index

    def words_containing(self, piece: str) -> list[str]:
        """The indexed words that contain `piece` (at most MAX_WORDS_PER_PIECE)."""
        found: list[str] = []
        haystack, start = self.haystack, 0
        while len(found) < MAX_WORDS_PER_PIECE:
            at = haystack.find(piece, start)
            if at < 0:
                break
            begin = haystack.rfind("\n", 0, at) + 1
            end = haystack.find("\n", at)
            found.append(haystack[begin:end])
            start = end
        return found

    def entries_with(self, alternatives: list[str]) -> set[int]:
        found: set[int] = set()
        for alternative in alternatives:
            for word in self.words_containing(alternative):
                found.update(self.postings[word])
        return found

    def suggest(self, understanding, limit: int) -> list[dict]:
        pieces = understanding.pieces
        if not pieces:
            return []
        matched: set[int] | None = None
        for piece in sorted(pieces, key=lambda p: len(p.alternatives)):
            entries = self.entries_with(piece.alternatives)
            matched = entries if matched is None else matched & entries
            if not matched:
                return []
        best = sorted(matched)[:CANDIDATES]

        def rank(position: int) -> tuple:
            title = self.title_keys[position]
            in_title = sum(any(a in title for a in p.alternatives) for p in pieces)
            return (not self.entries[position][2], -in_title, position)

        return [
            {"title": self.entries[i][0], "slug": self.entries[i][1]}
            for i in sorted(best, key=rank)[:limit]
        ]


def _build() -> SuggestIndex:
    from metavast.catalog.models import Product

    rows = (
        Product.objects.visible()
        .order_by("-in_stock", "-sold_count", "-id")
        .values_list("title", "slug", "in_stock", "search_words")
        .iterator(chunk_size=5000)
    )
    return SuggestIndex.build(rows)


def suggest_index() -> SuggestIndex:
    """This catalog version's index (built by the first request that needs it)."""
    return versioned("search-suggest", _build)


def probe(words: list[str]) -> dict[str, bool]:
    """Which words occur in some indexed name (search.understand's probe, without SQL)."""
    index = suggest_index()
    return {word: bool(index.words_containing(word)) for word in words}


def suggestions(understanding, limit: int) -> list[dict]:
    return suggest_index().suggest(understanding, limit)
