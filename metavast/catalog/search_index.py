"""An in-memory search index per worker and catalog version (PostgreSQL only).

An uncached search on PostgreSQL cost 12-40 ms of SQL for two words and 80-160 ms for a broad
word («کتاب»: 23,000 matches at 100k products): the trigram index finds the rows, but every
match must still be read, scored and counted. At 16 connections on two cores the goal (p99
< 50 ms) leaves about 5 ms of CPU per page. So the same question is answered here, in the
worker's memory, and PostgreSQL only reads the page's cards by primary key.

The visible products are held in one order (in stock first, then best-selling, then newest
id): a product is its *position* in that order, so a smaller position is a better product.
The searched texts are kept as distinct strings, one per line of a single text (`_Lines`),
each with the positions that have it: the pieces of search_key (search_title among them),
the words of search_words, and brand_name. A query word is found with one scan of that text
(a substring, exactly like the trigram `LIKE '%word%'`), and its positions per column are
kept for the words asked lately (`_WordSets`). From those sets:

- the matches (every piece: a word or any alternative of it in the search key), or for a
  partial result the number of pieces each product has;
- the score of search._score, by where each piece matched (title, brand, category words,
  the key), the word-start, whole-word and brand bonuses (a word that reads over spaces,
  «لپتاپ» in «لپ تاپ», is found by walking each position's words, kept as line numbers)
  and the whole-query bonus: products are grouped by score
  with set intersections, not scored one by one;
- the order of every sort but «بیشترین امتیاز» (ratings have their own version): positions
  for relevance and best-selling, a rank per position precomputed for the others;
- the brand facets, counted over the same matches.

A broad word («کتاب», 23,000 matches) still cost 25-40 ms of that set work, so what a query
found without filters is kept per index (so per catalog version) in the same LRU, with its
first ORDERS_KEPT ids per sort and its brand facets once worked out: asked again, its first
pages are a slice (under 1 ms). With filters, the kept groups are intersected with what the
filters allow (a product's hits and score do not depend on them). The first ask in a worker
costs what it did; the words are substrings, so no per-word answer can be made in advance.

The result is the same as the SQL statement's (tests compare them on the demo catalog; on the
100k bench catalog all 187 queries of the query set, two sorts, gave the same ids, counts and
understanding), also with a category, brands, a price range or «فقط موجود»; a specification
filter or the rating sort goes to SQL.

Building reads every visible product (about 3 s of CPU and 75 MB per worker at 100k
products) and is done off the request path: a request that finds no index for the current
catalog version starts the build in a thread and is answered by SQL meanwhile, as are the
requests that arrive during the build; an old version's index is never used. A request inside
a transaction (tests, a shell) builds its own index and does not keep it, and only for a small
catalog (else it asks SQL): what the transaction wrote is not committed, so it must not
outlive it.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
import threading
import time
from array import array
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from django.db import close_old_connections, connection

from metavast.catalog import search
from metavast.catalog.cache import catalog_version

log = logging.getLogger(__name__)

# Sorts ranked here (besides relevance): SORT_ORDERS' keys without "rating".
SORTS = ("newest", "cheapest", "dearest", "bestselling")


class _Lines:
    """Distinct strings, one per line of a single text, each with the positions that have it.

    A word is looked for with one regular-expression scan of the text; the hits become line
    numbers and the lines' positions one set, all in C (map, bisect, chain): a broad word
    hits thousands of lines, and a Python loop over them cost more than the SQL did."""

    def __init__(self, kinds: int = 1) -> None:
        self._lines: dict[str, int] = {}
        self._postings: list[list[list[int]]] = [[] for _ in range(kinds)]
        self.text = "\n"
        self.ends = array("l")  # offset of the "\n" that ends each line
        self.postings: list[list[array]] = []  # kind -> line -> positions
        self.exact: dict[str, int] = {}  # value -> line

    def add(self, value: str, position: int, kind: int = 0) -> int:
        line = self._lines.get(value)
        if line is None:
            line = self._lines[value] = len(self._lines)
            for postings in self._postings:
                postings.append([])
        postings = self._postings[kind][line]
        if not postings or postings[-1] != position:
            postings.append(position)
        return line

    def freeze(self) -> None:
        parts, ends, offset = [], array("l"), 0
        for value in self._lines:
            line = value.replace("\n", " ")
            offset += 1 + len(line)
            ends.append(offset)
            parts.append(line)
        self.text = "\n" + "\n".join(parts) + "\n"
        self.ends = ends
        self.postings = [[array("l", p) for p in kind] for kind in self._postings]
        self.exact, self._lines, self._postings = self._lines, {}, []

    def lines_with(self, word: str, *, at_start: bool = False) -> set[int]:
        """The lines that contain `word` (at_start: that begin with it)."""
        if not word:
            return set()
        if at_start:  # the hit is the "\n" before the line
            hits = re.finditer("\n" + re.escape(word), self.text)
            return set(map(functools.partial(bisect.bisect_right, self.ends), map(_hit_at, hits)))
        hits = re.finditer(re.escape(word), self.text)
        return set(map(functools.partial(bisect.bisect_left, self.ends), map(_hit_at, hits)))

    def positions(self, lines, kind: int = 0) -> set[int]:
        return set(itertools.chain.from_iterable(map(self.postings[kind].__getitem__, lines)))

    def has(self, word: str) -> bool:
        return bool(word) and self.text.find(word) >= 0


_hit_at = re.Match.start
_START, _WHOLE = 1, 2  # SearchIndex._run_from
KEY, TITLE = 0, 1  # kinds of the key's lines: a piece of the key, the compact title


@dataclass
class Candidates:
    """What a search found: positions, each with its score and number of pieces matched."""

    groups: dict[tuple[int, int], set[int]] = field(default_factory=dict)  # (hits, score)
    count: int = 0
    # Worked out once per Candidates (SearchIndex.ordered, brand_counts): sort -> first ids,
    # limit -> brand facets.
    orders: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    brands: dict[int, list[dict]] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class SearchIndex:
    ids: array = field(default_factory=lambda: array("q"))  # product id by position
    in_stock_end: int = 0  # positions below are in stock
    brand_of: array = field(default_factory=lambda: array("l"))  # 0: no brand
    category_of: array = field(default_factory=lambda: array("l"))
    price_of: array = field(default_factory=lambda: array("q"))
    rank_of: dict[str, array] = field(default_factory=dict)  # sort -> rank by position
    by_rank: dict[str, array] = field(default_factory=dict)  # sort -> position by rank
    brands: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (slug, name)
    brand_ids: dict[str, int] = field(default_factory=dict)  # slug -> id
    # The pieces of search_key (KEY), search_title among them (TITLE); the words of
    # search_words (a query word has no space, so it is inside search_words exactly when it
    # is inside one of its words); brand_name.
    key: _Lines = field(default_factory=lambda: _Lines(kinds=2))
    words: _Lines = field(default_factory=_Lines)
    brand: _Lines = field(default_factory=_Lines)
    # Each position's search_words as the lines of its words, in order (word_ends: where a
    # position's run ends), to read it back for a word that may run over a space («لپتاپ»
    # in «لپ تاپ»): a few bytes a word instead of the text.
    word_lines: array = field(default_factory=lambda: array("l"))
    word_ends: array = field(default_factory=lambda: array("l"))
    word_of_line: list[str] = field(default_factory=list, repr=False)
    words_cache: _WordSets = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.words_cache = _WordSets(self)

    @classmethod
    def build(cls, rows, brands) -> SearchIndex:
        """rows: (id, in_stock, sold, created, price, brand_id, category_id, search_title,
        brand_name, search_words, search_key), in the order (-in_stock, -sold_count, -id)."""
        index = cls(brands={b[0]: (b[1], b[2]) for b in brands})
        index.brand_ids = {slug: pk for pk, (slug, _name) in index.brands.items()}
        created: list = []
        for position, row in enumerate(rows):
            pk, in_stock, _sold, made, price, brand_id, category_id = row[:7]
            title, brand_name, words, key = row[7:]
            index.ids.append(pk)
            if in_stock:
                index.in_stock_end = position + 1
            index.brand_of.append(brand_id or 0)
            index.category_of.append(category_id)
            index.price_of.append(price)
            created.append(made)
            index.key.add(title, position, TITLE)
            for piece in key.split(search.SEPARATOR):
                index.key.add(piece, position, KEY)
            for word in words.split(" "):
                index.word_lines.append(index.words.add(word, position))
            index.word_ends.append(len(index.word_lines))
            index.brand.add(brand_name, position)
        for part in (index.key, index.words, index.brand):
            part.freeze()
        index.word_of_line = list(index.words.exact)
        index._orders(created)
        return index

    def _orders(self, created: list) -> None:
        """The rank of each position in each sort of SORT_ORDERS (ids break ties)."""
        n, ids, price = len(self.ids), self.ids, self.price_of
        stock = [p < self.in_stock_end for p in range(n)]
        keys = {
            "newest": lambda p: (created[p], ids[p]),  # descending
            "cheapest": lambda p: (not stock[p], price[p], -ids[p]),
            "dearest": lambda p: (not stock[p], -price[p], -ids[p]),
        }
        for sort, key in keys.items():
            order = sorted(range(n), key=key, reverse=sort == "newest")
            self.by_rank[sort] = array("l", order)
            rank = array("l", bytes(array("l").itemsize * n))
            for r, p in enumerate(order):
                rank[p] = r
            self.rank_of[sort] = rank
        self.by_rank["bestselling"] = self.rank_of["bestselling"] = array("l", range(n))

    def spaced_words(self, position: int) -> str:
        """The position's search_words, read back from its words."""
        return " ".join(map(self.word_of_line.__getitem__, self._lines_of(position)))

    def _lines_of(self, position: int) -> array:
        start = self.word_ends[position - 1] if position else 0
        return self.word_lines[start : self.word_ends[position]]

    def word_starts(self, word: str) -> tuple[set[int], set[int]]:
        """The positions whose search_words match search.start_pattern(word), and those
        that match search.whole_pattern(word): a word beginning with it or being it, or a
        run of words that reads it with the spaces left out («لپ تاپ» for «لپتاپ»). Such a
        run begins with a word that is the first letters of `word`: only the positions
        having one are walked, word by word (a regular expression per position cost ten
        times more)."""
        words = self.words
        starts = words.positions(words.lines_with(word, at_start=True))
        exact = words.exact.get(word)
        whole = words.positions([exact]) if exact is not None else set()
        for cut in range(1, len(word)):
            if word[cut - 1] in search._DIGITS and word[cut] in search._DIGITS:
                continue  # no space inside a number (search._letters)
            first = words.exact.get(word[:cut])
            if first is None:
                continue
            for position in words.postings[0][first]:
                if position in whole:
                    continue
                found = self._run_from(position, first, word, cut)
                if found:
                    starts.add(position)
                    if found == _WHOLE:
                        whole.add(position)
        return starts, whole

    def _run_from(self, position: int, first: int, word: str, cut: int) -> int:
        """Whether the position's words, from a word `word[:cut]` (line `first`) on, read
        the rest of `word` with the spaces left out: 0 no, _START yes, _WHOLE yes and it
        ends with a word."""
        lines, of_line, digits = self._lines_of(position), self.word_of_line, search._DIGITS
        best, at = 0, -1
        while best != _WHOLE:
            try:
                at = lines.index(first, at + 1)
            except ValueError:
                break
            rest, before = word[cut:], word[cut - 1]
            for line in lines[at + 1 :]:
                next_word = of_line[line]
                if not next_word or (before in digits and rest[0] in digits):
                    break
                if next_word.startswith(rest):
                    best = _WHOLE if len(next_word) == len(rest) else max(best, _START)
                    break
                if not rest.startswith(next_word):
                    break
                rest, before = rest[len(next_word) :], next_word[-1]
        return best

    # -- questions -------------------------------------------------------------------------

    def probe(self, words: list[str]) -> dict[str, bool]:
        """Which words occur in some visible product's key (search._probe without SQL)."""
        return {word: self.key.has(word) for word in words}

    def allowed(self, filters) -> set[int] | None:
        """The positions the filters allow (None: all). Specifications are not indexed."""
        from metavast.catalog.tree import category_tree
        from metavast.core.vat import display_rate_basis_points, net_bounds

        sets: list[set[int]] = []
        n = len(self.ids)
        if filters.category is not None:
            wanted = set(category_tree().descendant_ids(filters.category.id))
            of = self.category_of
            sets.append({p for p in range(n) if of[p] in wanted})
        if filters.brands:
            wanted = {self.brand_ids[s] for s in filters.brands if s in self.brand_ids}
            of = self.brand_of
            sets.append({p for p in range(n) if of[p] in wanted})
        if filters.min_price is not None or filters.max_price is not None:
            # Shoppers filter by the prices they see, VAT included (as listing_filters).
            low, high = net_bounds(
                filters.min_price, filters.max_price, display_rate_basis_points()
            )
            price = self.price_of
            sets.append(
                {
                    p
                    for p in range(n)
                    if (low is None or price[p] >= low) and (high is None or price[p] <= high)
                }
            )
        if filters.in_stock:
            sets.append(set(range(self.in_stock_end)))
        if not sets:
            return None
        sets.sort(key=len)
        allowed = sets[0]
        for other in sets[1:]:
            allowed = allowed & other
        return allowed

    @staticmethod
    def can_answer(understanding) -> bool:
        """Query words without spaces (always, from search.understand): the words field
        holds single words."""
        words = [a for p in understanding.pieces for a in p.alternatives]
        return not any(ch.isspace() for w in [*words, understanding.whole] for ch in w)

    def candidates(self, understanding, allowed: set[int] | None, *, partial: bool):
        """Every piece matched (or, partial, at least one), grouped by (hits, score).

        The groups without filters are kept per query (`_WordSets`, so per catalog version):
        a product's hits and score do not depend on the filters, so the filtered groups are
        the kept ones intersected with `allowed`."""
        if not understanding.pieces:
            return Candidates()
        key = ("found", _question(understanding), partial)
        found = self.words_cache.kept(key)
        if found is None:
            found = self._candidates(understanding, partial=partial)
            # The prefixes ordered() and brand_counts() keep on it count in its size.
            size = found.count + 1 + (len(SORTS) + 1) * min(found.count, ORDERS_KEPT)
            found = self.words_cache.keep(key, found, size)
        if allowed is None:
            return found
        groups = {}
        for score, group in found.groups.items():
            both = group & allowed
            if both:
                groups[score] = both
        return Candidates(groups=groups, count=sum(map(len, groups.values())))

    def _candidates(self, understanding, *, partial: bool) -> Candidates:
        pieces = understanding.pieces
        lines = self.words_cache
        has = [lines.union(p.alternatives, "key") for p in pieces]
        if partial:
            matched = set().union(*has)
            hits: dict[int, set[int]] = {0: matched}
            for piece_has in has:
                moved: dict[int, set[int]] = {}
                for n, group in hits.items():
                    up, stay = group & piece_has, group - piece_has
                    if up:
                        moved.setdefault(n + 1, set()).update(up)
                    if stay:
                        moved.setdefault(n, set()).update(stay)
                hits = moved
        else:
            has.sort(key=len)
            matched = has[0]
            for other in has[1:]:
                matched = matched & other
                if not matched:
                    break
            hits = {len(pieces): matched} if matched else {}
        if not matched:
            return Candidates()
        # The first piece's levels are the groups themselves (disjoint parts of matched).
        scores = dict(self._piece_levels(pieces[0], matched, lines))
        for piece in pieces[1:]:
            scores = _split(scores, self._piece_levels(piece, matched, lines))
        for bonus in self._bonuses(understanding, matched, lines):
            scores = _split(scores, bonus)
        groups: dict[tuple[int, int], set[int]] = {}
        for n, with_hits in hits.items():
            for score, group in scores.items():
                both = with_hits & group
                if both:
                    groups[(n, score)] = both
        return Candidates(groups=groups, count=len(matched))

    def _piece_levels(self, piece, matched: set[int], lines: _WordSets):
        """search._score's CASE for one piece: the first level that holds wins."""
        alternatives = piece.alternatives
        levels = [
            (search.W_PRIMARY, lines.union(piece.primary or alternatives, "fair_title")),
            (search.W_TITLE, lines.union(alternatives, "fair_title")),
            (search.W_BRAND, lines.union(alternatives, "brand")),
            (search.W_WORDS, lines.union(alternatives, "words")),
        ]
        return _exclusive(levels, matched, default=search.W_KEY)

    def _bonuses(self, understanding, matched: set[int], lines: _WordSets):
        for piece in understanding.pieces:
            levels = [
                (search.W_WHOLE_WORD, lines.union(piece.alternatives, "whole")),
                (search.W_WORD_START, lines.union(piece.alternatives, "starts")),
            ]
            yield _exclusive(levels, matched, default=0)
            brand = lines.union(piece.alternatives, "brand_word")
            yield _exclusive([(search.W_BRAND_WORD, brand)], matched, default=0)
        whole = understanding.whole
        if understanding.pieces and whole:
            sets = lines.get(whole)
            levels = [(search.W_PHRASE_START, sets.title_start), (search.W_PHRASE, sets.title)]
            yield _exclusive(levels, matched, default=0)

    def ordered(self, found: Candidates, sort: str, limit: int) -> list[int]:
        """The first `limit` product ids in the sort's order (listing_search._order_keys).

        Kept on `found` (the first ORDERS_KEPT): for a query without filters the first pages
        of a broad word are then a slice, not a sort of its 23,000 matches."""
        kept = found.orders.get(sort)
        if kept is not None and (len(kept) >= limit or len(kept) == found.count):
            return kept[:limit]
        ids = self._ordered(found, sort, limit)
        if limit <= ORDERS_KEPT:
            found.orders[sort] = ids[:]
        return ids

    def _ordered(self, found: Candidates, sort: str, limit: int) -> list[int]:
        positions: list[int] = []
        by_hits: dict[int, list[set[int]]] = {}
        for (n, _score), group in sorted(found.groups.items(), reverse=True):
            by_hits.setdefault(n, []).append(group)
        for _n, groups in sorted(by_hits.items(), reverse=True):
            if len(positions) >= limit:
                break
            if sort == "relevance":
                positions += self._by_stock_then_score(groups, limit - len(positions))
            else:
                positions += self._by_rank(set().union(*groups), sort, limit - len(positions))
        ids = self.ids
        return [ids[p] for p in positions[:limit]]

    def _by_stock_then_score(self, groups: list[set[int]], limit: int) -> list[int]:
        """In stock first, then by score (groups come best first), then by position."""
        cut = self.in_stock_end
        stocked: list[int] = []
        sold_out: list[list[int]] = []
        for group in groups:
            if len(stocked) >= limit:
                break  # the sold-out ones would come after these: never reached
            ranked = sorted(group)
            split = bisect.bisect_left(ranked, cut)
            stocked += ranked[:split]
            sold_out.append(ranked[split:])
        for part in sold_out:
            if len(stocked) >= limit:
                break
            stocked += part
        return stocked[:limit]

    def _by_rank(self, matched: set[int], sort: str, limit: int) -> list[int]:
        rank, by_rank = self.rank_of[sort], self.by_rank[sort]
        return [by_rank[r] for r in sorted(map(rank.__getitem__, matched))[:limit]]

    def brand_counts(self, found: Candidates, limit: int = 30) -> list[dict]:
        """listing_search._brand_counts: the brands among the matches, most first (kept on
        `found`, as its order)."""
        kept = found.brands.get(limit)
        if kept is None:
            kept = found.brands[limit] = self._brand_counts(found, limit)
        return [dict(brand) for brand in kept]  # the caller's copy

    def _brand_counts(self, found: Candidates, limit: int) -> list[dict]:
        counts: Counter[int] = Counter()
        for group in found.groups.values():
            counts.update(map(self.brand_of.__getitem__, group))
        counts.pop(0, None)
        named = sorted(counts.items(), key=lambda item: (-item[1], self.brands[item[0]][1]))
        return [
            {"slug": self.brands[b][0], "name": self.brands[b][1], "count": n}
            for b, n in named[:limit]
        ]


@dataclass(frozen=True)
class _Sets:
    """Where one query word occurs: the positions whose key, title, brand or words have it."""

    key: frozenset[int]
    title: frozenset[int]
    brand: frozenset[int]
    words: frozenset[int]
    title_start: frozenset[int]  # the title begins with the word
    starts: frozenset[int]  # a word of search_words begins with it (search.start_pattern)
    whole: frozenset[int]  # ... or is it (search.whole_pattern)
    fair_title: frozenset[int]  # the title has it, not only across words (search._fair_title)
    brand_word: frozenset[int]  # the brand has it and it starts a word (search._brand_word)

    @property
    def size(self) -> int:
        parts = (self.key, self.title, self.brand, self.words, self.title_start)
        more = (self.starts, self.whole, self.fair_title, self.brand_word)
        return sum(map(len, (*parts, *more))) + 1


class _WordSets:
    """The sets of the query words (and of a piece's alternatives together) asked lately, in
    this index (so per catalog version).

    Shoppers' words repeat far more than their queries (the two-word searches of the bench are
    pairs of a few dozen words): a word is scanned once and its sets are kept, up to
    WORD_CACHE_POSITIONS positions in all (about 60 bytes each), the least recently used
    dropped first. A word not seen yet costs a scan of each text (0.5-3 ms at 100k products);
    measured in process, a first-time word made no difference the machine's noise could show
    (docs/search.md)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.sets: OrderedDict[object, tuple[object, int]] = OrderedDict()  # -> (sets, size)
        self.size = 0
        self.lock = threading.Lock()  # gunicorn's threads share the worker's index

    def kept(self, key):
        """What was kept under `key` (None: nothing, or dropped since)."""
        return self._found(key)

    def keep(self, key, value, size: int):
        """Keep `value` (about `size` positions) and return the one kept under `key`."""
        return self._kept(key, value, size)

    def _found(self, key):
        with self.lock:
            found = self.sets.get(key)
            if found is not None:
                self.sets.move_to_end(key)
                return found[0]
        return None

    def _kept(self, key, value, size: int):
        with self.lock:
            if key in self.sets:
                return self.sets[key][0]  # another thread's, the same: one copy kept
            self.sets[key] = (value, size)
            self.size += size
            while self.size > WORD_CACHE_POSITIONS and len(self.sets) > 1:
                _key, (_value, dropped) = self.sets.popitem(last=False)
                self.size -= dropped
        return value

    def get(self, word: str) -> _Sets:
        found = self._found(word)
        if found is not None:
            return found
        index = self.index
        key_lines = index.key.lines_with(word)
        text, ends, at_start = index.key.text, index.key.ends, []
        for line in key_lines:
            if text.startswith(word, ends[line - 1] + 1 if line else 1):
                at_start.append(line)
        title = frozenset(index.key.positions(key_lines, TITLE))
        words = frozenset(index.words.positions(index.words.lines_with(word)))
        starts, whole = index.word_starts(word)
        brand = frozenset(index.brand.positions(index.brand.lines_with(word)))
        sets = _Sets(
            key=frozenset(index.key.positions(key_lines, KEY)),
            title=title,
            brand=brand,
            words=words,
            title_start=frozenset(index.key.positions(at_start, TITLE)),
            starts=frozenset(starts),
            whole=frozenset(whole),
            fair_title=title & (words | starts),
            brand_word=brand & starts,
        )
        return self._kept(word, sets, sets.size)

    def union(self, words, name: str) -> frozenset[int]:
        """The positions where any of the words is (a piece and its alternatives)."""
        words = tuple(dict.fromkeys(words))
        if len(words) == 1:
            return getattr(self.get(words[0]), name)
        key = (name, words)
        found = self._found(key)
        if found is not None:
            return found
        union = frozenset().union(*(getattr(self.get(w), name) for w in words))
        return self._kept(key, union, len(union) + 1)


WORD_CACHE_POSITIONS = 500_000  # about 30 MB
ORDERS_KEPT = 960  # listing_search.RANKED_MAX: the ids a ranking keeps


def _question(understanding) -> tuple:
    """What candidates() reads of an understanding: equal for queries it answers alike."""
    pieces = tuple(
        (tuple(p.alternatives), tuple(p.primary), p.typed.isdigit()) for p in understanding.pieces
    )
    return pieces, understanding.whole


def _exclusive(levels, matched: set[int], *, default: int) -> list[tuple[int, set[int]]]:
    """Disjoint (weight, positions) of `matched`: each position at its first level."""
    left = set(matched)
    out: list[tuple[int, set[int]]] = []
    previous = None
    for weight, positions in levels:
        if not left:
            break
        if positions is previous:  # no synonyms: the title level holds nothing more
            continue
        previous = positions
        taken = left & positions
        if taken:
            out.append((weight, taken))
            left -= taken
    if left:
        out.append((default, left))
    return out


def _split(scores: dict[int, set[int]], levels) -> dict[int, set[int]]:
    """Add a piece's weights to the score groups."""
    out: dict[int, set[int]] = {}
    for score, group in scores.items():
        for weight, positions in levels:
            both = group & positions
            if both:
                out.setdefault(score + weight, set()).update(both)
    return out


# -- building and keeping it ---------------------------------------------------------------


def build(*, at_most: int | None = None) -> SearchIndex | None:
    """The index of the visible products (None: more than `at_most` of them)."""
    from metavast.catalog.models import Brand, Product

    rows = (
        Product.objects.visible()
        .order_by("-in_stock", "-sold_count", "-id")
        .values_list(
            "id",
            "in_stock",
            "sold_count",
            "created_at",
            "price",
            "brand_id",
            "category_id",
            "search_title",
            "brand_name",
            "search_words",
            "search_key",
        )
    )
    if at_most is not None:
        rows = list(rows[: at_most + 1])
        if len(rows) > at_most:
            return None
    else:
        rows = rows.iterator(chunk_size=5000)
    return SearchIndex.build(rows, Brand.objects.values_list("id", "slug", "name"))


_lock = threading.Lock()
# (catalog version, when it was built, index). Sales move the best-selling order without a
# new catalog version: an index older than SALES_REBUILD_SECONDS is rebuilt in the background
# and served meanwhile, as a cached ranking is served for RANKING_TTL (listing_search).
_current: tuple[int, float, SearchIndex] | None = None
_building = False
SALES_REBUILD_SECONDS = 600
IN_TRANSACTION_MAX = 2000


def ready() -> SearchIndex | None:
    """This catalog version's index, or None (SQLite, or still being built: ask SQL)."""
    if connection.vendor != "postgresql":
        return None
    if connection.in_atomic_block:
        # Uncommitted rows: an index of its own, not kept (module doc); only for a small
        # catalog (tests), a large one is asked in SQL rather than read whole per request.
        return build(at_most=IN_TRANSACTION_MAX)
    version = catalog_version()
    current = _current
    if current is not None and current[0] == version:
        if time.monotonic() - current[1] > SALES_REBUILD_SECONDS:
            _start(version)
        return current[2]
    _start(version)
    return None


def _start(version: int) -> None:
    global _building
    with _lock:
        if _building:
            return  # one build at a time; the next request starts a newer one
        _building = True
    threading.Thread(target=_build_in_thread, args=(version,), daemon=True).start()


def _build_in_thread(version: int) -> None:
    global _current, _building
    try:
        close_old_connections()
        _current = (version, time.monotonic(), build())
    except Exception:  # the request path keeps answering from SQL
        log.exception("search index build failed")
    finally:
        connection.close()
        with _lock:
            _building = False


def wait_ready(timeout: float = 120.0) -> SearchIndex | None:
    """Build the current version's index now (benches and warm-up): blocks until it is kept."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        index = ready()
        if index is not None:
            return index
        time.sleep(0.05)
    return None
