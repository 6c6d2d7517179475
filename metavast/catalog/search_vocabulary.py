"""The catalog's vocabulary in memory: exact words, sound keys, typo candidates, synonyms.

The vocabulary (SearchTerm: the words of titles, brands and categories, plus adjacent short
words joined, so «لپ‌تاپ» is also the one word «لپتاپ») and the staff's synonyms are a few
thousand short strings even at 100,000 products. Each worker loads them once per catalog
version and indexes them in memory, so understanding a query costs no SQL at all and behaves
the same on PostgreSQL and SQLite:

- `sounds_like(word)`: the terms with the same sound key (search_phonetic), other script first;
- `closest(word)`: the term at the smallest typo distance, from candidates that share enough
  letter pairs with the word or whose sound key is one edit away;
- `synonyms(word)`: the other members of the word's synonym groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from metavast.catalog.cache import catalog_version
from metavast.catalog.search_phonetic import sound_key, typo_distance
from metavast.core.text import compact

MAX_SOUND_ALIKES = 6
MIN_SOUND_KEY = 2
# A one-consonant key («ایر» and "air" are both R) is kept for words of three letters or
# more, and then only for words of about the same length.
SHORT_KEY_LENGTH_SLACK = 1
CLOSEST_MEMO = 20_000  # words kept with their closest term (and has_close), per worker


def _bigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def is_latin(word: str) -> bool:
    return any("a" <= ch <= "z" for ch in word)


def max_typo(word: str) -> float:
    """How far a correction may be from what was typed. A whole letter changed, added or
    dropped (1.0) only from five letters on: in a shorter word it makes another word («آیف»
    is not «کیف», «الجی» not «السی»), so there only confused letter pairs (0.4 each: «کطاپ»
    still reaches «کتاب») and vowel letters (0.5: «خیم» → «خیام»). Two edits from six on."""
    if len(word) <= 3:
        return 0.5
    if len(word) == 4:
        return 0.9
    return 1.0 if len(word) == 5 else 2.0


# Words that say nothing about which product is wanted: Persian function words and what
# shoppers add to a search ("cheap", "original", "price"). Dropped from a query unless nothing
# else is left (search.understand), and never offered as a correction.
_STOP_TEXT = """
    و با برای از به در که را این آن یک تا یا هم بر ها های
    ارزان ارزون ارزانترین ارزونترین بهترین بهتر خوب اصل اصلی اورجینال خرید قیمت فروش
    جدید جدیدترین مدل نو تخفیف حراج ویژه فوری
    cheap cheapest best good original buy price sale new the a an for with and of
"""
STOP_WORDS = frozenset(compact(w) for w in _STOP_TEXT.split())


def may_correct(word: str, term: str) -> bool:
    """A term may stand for a typed word it is near: not a stop word («هواوی» is not «های»),
    and not missing more than one of its letters (a fragment of it, not the word meant)."""
    return term not in STOP_WORDS and len(term) >= len(word) - 1


@dataclass
class Vocabulary:
    terms: frozenset[str] = frozenset()
    haystack: str = ""
    by_sound: dict[str, list[str]] = field(default_factory=dict)
    by_sound_deletion: dict[str, list[str]] = field(default_factory=dict)
    by_bigram: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    # word -> closest(word): a prefix typed into the box comes back from shopper after
    # shopper, and its typo candidates are the costly part of understanding it.
    _closest: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    _has_close: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    # a correction -> how the catalog writes it (search.catalog_spelling)
    spellings: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, terms, synonym_groups) -> Vocabulary:
        words = sorted({compact(t) for t in terms} - {""})
        by_sound: dict[str, list[str]] = defaultdict(list)
        by_deletion: dict[str, list[str]] = defaultdict(list)
        by_bigram: dict[str, list[str]] = defaultdict(list)
        for word in words:
            key = sound_key(word)
            if key:
                by_sound[key].append(word)
            if len(key) >= MIN_SOUND_KEY:
                for deleted in _deletions(key):
                    by_deletion[deleted].append(word)
            for gram in _bigrams(word):
                by_bigram[gram].append(word)
        groups: dict[str, list[str]] = defaultdict(list)
        for members in synonym_groups:
            keys = list(dict.fromkeys(k for k in (compact(m) for m in members) if k))
            for key in keys:
                groups[key].extend(k for k in keys if k != key and k not in groups[key])
        return cls(
            terms=frozenset(words),
            haystack="\n" + "\n".join(words) + "\n",
            by_sound=dict(by_sound),
            by_sound_deletion=dict(by_deletion),
            by_bigram=dict(by_bigram),
            groups=dict(groups),
        )

    def is_term(self, word: str) -> bool:
        return word in self.terms

    def occurs(self, word: str) -> bool:
        """The word is a term or part of one (a prefix being typed, «سامسون»)."""
        return word in self.terms or word in self.haystack

    def synonyms(self, word: str) -> list[str]:
        return self.groups.get(word, [])

    def sounds_like(self, word: str) -> list[str]:
        key = sound_key(word)
        if not key or word.isdigit() or (len(key) < MIN_SOUND_KEY and len(word) < 3):
            return []
        latin = is_latin(word)
        found = [t for t in self.by_sound.get(key, []) if t != word]
        if len(key) < MIN_SOUND_KEY:
            found = [t for t in found if abs(len(t) - len(word)) <= SHORT_KEY_LENGTH_SLACK]
        found.sort(key=lambda t: (is_latin(t) == latin, abs(len(t) - len(word)), t))
        return found[:MAX_SOUND_ALIKES]

    def closest(self, word: str) -> str | None:
        """The vocabulary word the shopper most likely meant, or None."""
        if len(word) < 3 or word.isdigit():
            return None
        try:
            return self._closest[word]
        except KeyError:
            pass
        if len(self._closest) >= CLOSEST_MEMO:
            self._closest.clear()  # rare: a fresh start costs less than keeping an LRU order
        found = self._closest[word] = self._find_closest(word)
        return found

    def has_close(self, word: str) -> bool:
        """`closest(word) is not None`, stopping at the first term near enough (joining two
        typed pieces asks only this, on most key presses of a second word)."""
        if len(word) < 3 or word.isdigit():
            return False
        if word in self._closest:
            return self._closest[word] is not None
        try:
            return self._has_close[word]
        except KeyError:
            pass
        if len(self._has_close) >= CLOSEST_MEMO:
            self._has_close.clear()
        limit = max_typo(word)
        found = self._has_close[word] = any(
            may_correct(word, t) and typo_distance(word, t, limit=limit) <= limit
            for t in self._candidates(word)
        )
        return found

    def _candidates(self, word: str) -> list[str]:
        """Terms that share enough letter pairs with the word or whose sound key is one
        edit away, in its script; the word itself left out."""
        grams = _bigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self.by_bigram.get(gram, ()))
        need = max(1, len(grams) - 4)
        candidates = {t for t, n in shared.items() if n >= need and abs(len(t) - len(word)) <= 2}
        key = sound_key(word)
        if len(key) >= MIN_SOUND_KEY + 1:
            for probe in (key, *_deletions(key)):
                candidates.update(self.by_sound.get(probe, ()))
                candidates.update(self.by_sound_deletion.get(probe, ()))
        latin = is_latin(word)
        return [t for t in candidates if t != word and is_latin(t) == latin]

    def _find_closest(self, word: str) -> str | None:
        limit = max_typo(word)
        key = sound_key(word)
        best: tuple[float, int, int, str] | None = None
        for term in self._candidates(word):
            if not may_correct(word, term):
                continue
            distance = typo_distance(word, term, limit=limit)
            if distance > limit:
                continue
            rank = (distance, sound_key(term) != key, abs(len(term) - len(word)), term)
            if best is None or rank < best:
                best = rank
        return best[3] if best else None


_memo: dict[str, tuple[int, Vocabulary]] = {}


def vocabulary() -> Vocabulary:
    """This worker's vocabulary for the current catalog version."""
    version = catalog_version()
    found = _memo.get("v")
    if found is not None and found[0] == version:
        return found[1]
    from metavast.catalog.models import SearchSynonym, SearchTerm

    terms = SearchTerm.objects.values_list("term", flat=True).iterator(chunk_size=5000)
    groups = [s.members for s in SearchSynonym.objects.filter(is_active=True)]
    built = Vocabulary.build(terms, groups)
    _memo["v"] = (version, built)
    return built
