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

Each worker keeps the entries of the pieces asked lately (`_memo`, an LRU bounded by the
entries it holds): while a shopper types «گوشی سامسونگ» letter by letter, «گوشی» is looked up
once, not on every key press of the second word, and other shoppers type the same first
words. The index never changes once built (a new catalog version is a new index), so what
is kept is never stale.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field

from metavast.catalog.cache import versioned
from metavast.core.text import compact, normalize

CANDIDATES = 200
MAX_WORDS_PER_PIECE = 400  # a two-letter piece is in hundreds of words: enough to rank
# Entry numbers kept in a worker's memo of pieces (30-65 bytes each, so at most 10-20 MB): at
# 100k products (19,900 distinct titles) a broad piece («کتاب») has about 1,000 entries.
MEMO_ENTRIES = 300_000


@dataclass
class SuggestIndex:
    entries: list[tuple[str, str, bool]] = field(default_factory=list)
    title_keys: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    haystack: str = "\n"
    # piece -> the entries having a word that contains it, most recently used last; its
    # size in entries. Per worker: never pickled into the shared cache (see __getstate__).
    _memo: OrderedDict[str, frozenset[int]] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    _memo_size: int = field(default=0, compare=False, repr=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_memo"], state["_memo_size"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._memo, self._memo_size = OrderedDict(), 0

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

    def entries_with(self, alternatives: list[str]) -> frozenset[int] | set[int]:
        """The entries with a word containing one of the alternatives (never to be changed:
        a single alternative's set is the memo's own)."""
        if len(alternatives) == 1:
            return self._entries_of(alternatives[0])
        found: set[int] = set()
        for alternative in alternatives:
            found.update(self._entries_of(alternative))
        return found

    def _entries_of(self, piece: str) -> frozenset[int]:
        memo = self._memo
        entries = memo.get(piece)
        if entries is not None:
            memo.move_to_end(piece)
            return entries
        found: set[int] = set()
        for word in self.words_containing(piece):
            found.update(self.postings[word])
        entries = memo[piece] = frozenset(found)
        self._memo_size += len(entries)
        while self._memo_size > MEMO_ENTRIES and len(memo) > 1:
            _piece, dropped = memo.popitem(last=False)
            self._memo_size -= len(dropped)
        return entries

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

        # The best possible rank is (in stock, every piece in the title, position), so when
        # the first `limit` candidates in position order with such a rank are found, they
        # are the answer and the rest need no ranking (the usual case, «گوشی سامس» while
        # typing); otherwise every candidate is ranked.
        keys: list[tuple] = []
        top: list[int] = []
        for position in best:
            key = rank(position)
            keys.append(key)
            if not key[0] and key[1] == -len(pieces):
                top.append(position)
                if len(top) == limit:
                    break
        if len(top) < limit:
            top = [key[2] for key in sorted(keys)[:limit]]
        return [{"title": self.entries[i][0], "slug": self.entries[i][1]} for i in top]


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
    haystack = suggest_index().haystack  # one line per indexed word: no match spans two
    return {word: word in haystack for word in words}


def suggestions(understanding, limit: int) -> list[dict]:
    return suggest_index().suggest(understanding, limit)
