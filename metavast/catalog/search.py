"""Persian product search that understands how Iranian shoppers type.

Both sides go through the same normaliser (metavast.core.text): a product's title, brand,
categories, specifications and option values become a *compact* key (normalised, spaces
removed, pieces joined by " | "), and a query is normalised, split into words and each word
compacted, so «میخواهم», «می‌خواهم» and «می خواهم» all find «می‌خواهم», «كتاب» finds «کتاب»
and «۱۲۸» finds «128».

Understanding a query (`understand`) turns each typed word into a *piece*: the words any of
which may stand for it in a product's key.

- The word itself, and its synonyms (SearchSynonym, edited by staff: «گوشی» = «موبایل»).
- A word the vocabulary does not know gets the vocabulary's words that *sound* the same
  (search_phonetic: «آیفون» and "iphone" are both FN), in either script.
- A word that still matches no product is *corrected* to the closest vocabulary word by a
  typo distance where the letters Persian typists confuse cost less («لبتاپ» → «لپتاپ»); the
  page then says «منظور شما «…» بود؟».
- A word that matches nothing even then ("ارزان", "original") and the stop words are dropped
  and listed, instead of emptying the result.

The vocabulary and synonyms live in the worker's memory per catalog version
(search_vocabulary), so this costs no SQL, except one probe (a single statement, however many
words) for words outside the vocabulary such as specification values or digits.

A product matches when every piece matches (each piece: any of its words occurs in the key;
a GIN trigram index on PostgreSQL, the FTS5 trigram table on SQLite). If no product has every
piece, the products with the most pieces are shown instead, marked as partial. Ranking: in
stock first, then a score of the pieces by where they matched (title 8, brand 6, brand's
Latin name or category 4, specifications 1, plus a bonus when the title holds the whole
query), then best-selling. The compact key has no word boundaries, so a word can match
inside another word or across two («اپل» in «لپتاپلنوو»): a match that starts inside a word
and runs into the next is no title hit, and a word of the title, brand or categories that
starts with the piece, or is it (spaces inside allowed, so «لپتاپ» is «لپ‌تاپ»), adds more
than the levels differ by; the shop's brand adds a little more (W_WORD_START, W_BRAND_WORD).

A correction is a vocabulary word near enough for the word's length, never a stop word or a
fragment much shorter than what was typed, and is shown as the catalog writes it
(`catalog_spelling`: «شیائومی», not its key «شیایومی»).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from metavast.catalog.search_phonetic import typo_distance
from metavast.catalog.search_vocabulary import (
    STOP_WORDS,
    Vocabulary,
    is_latin,
    max_typo,
    may_correct,
    vocabulary,
)
from metavast.core.text import compact, normalize

MAX_QUERY_CHARS = 100
MAX_WORDS = 6
SEPARATOR = " | "


def clean_query(raw: str | None) -> str:
    """The normalised query (what is searched and what a miss is counted under)."""
    return normalize((raw or "")[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].strip()


def query_words(query: str) -> list[str]:
    words = [compact(w) for w in normalize(query).split()]
    return [w for w in words if w][:MAX_WORDS]


def documents(
    *,
    title: str,
    brand: Iterable[str] = (),
    categories: Iterable[str] = (),
    specs: Iterable[str] = (),
    options: Iterable[str] = (),
) -> dict[str, str]:
    """The three search columns of a product, from its texts (title first)."""
    brand, categories = [b for b in brand if b], list(categories)
    pieces = [title, *brand, *categories, *specs, *options]
    seen: list[str] = []
    for piece in pieces:
        key = compact(str(piece))
        if key and key not in seen:
            seen.append(key)
    return {
        "search_title": compact(title),
        "search_key": SEPARATOR.join(seen),
        "search_words": normalize(" ".join([title, *brand, *categories])),
    }


# The title holding the word itself (or its correction) beats a title holding a synonym.
W_PRIMARY, W_TITLE, W_BRAND, W_WORDS, W_KEY = 10, 8, 6, 4, 1
# Where a word of the title, brand or categories begins with the query word (W_WORD_START)
# or is it (W_WHOLE_WORD, spaces inside allowed: «لپتاپ» is «لپ‌تاپ»): more than the widest
# gap between the levels above, so «اپل» ranks Apple's products above «ناپلئون» and «لپ‌تاپ
# لنوو» (whose compact key «لپتاپلنوو» holds «اپل» across two words).
W_WORD_START, W_WHOLE_WORD = 10, 20
# And the shop's brand typed, from a word's start: its products come before another brand's
# whose title has the word too («لگو» the brand before «لگو ساختنی … هاپو»); less than the
# gap between a title and a brand hit, so a title naming it still beats a brand-only match.
W_BRAND_WORD = 5
W_PHRASE_START, W_PHRASE = 3, 2


@dataclass
class Piece:
    """One word of the query and the words any of which may stand for it in a product."""

    typed: str
    alternatives: list[str]  # the word (or its correction), sound-alikes, synonyms
    primary: list[str] = field(default_factory=list)  # the word or correction, sound-alikes
    corrected: str = ""  # a typo replaced by this vocabulary word
    shown: str = ""  # the correction as the catalog writes it («شیائومی», «لپ‌تاپ»)
    sounds_like: bool = False  # matched through the sound key (another script, most often)


@dataclass
class Understanding:
    query: str  # normalised
    pieces: list[Piece] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # stop words and words that match nothing

    @property
    def is_corrected(self) -> bool:
        return any(p.corrected for p in self.pieces)

    @property
    def corrected_query(self) -> str:
        """The query as it was searched: typos replaced (as the catalog writes them), ignored
        words left out."""
        return " ".join(p.shown or p.corrected or p.typed for p in self.pieces)

    @property
    def whole(self) -> str:
        return "".join(p.corrected or p.typed for p in self.pieces)


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _uses_fts(piece: Piece) -> bool:
    return connection.vendor == "sqlite" and all(len(a) >= 3 for a in piece.alternatives)


def _fts_ids(match: str) -> Q:
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts MATCH %s", [match]
        )
    )


def _fts_group(piece: Piece) -> str:
    return "(" + " OR ".join(_fts_phrase(a) for a in piece.alternatives) + ")"


def _any_of(column: str, words: Iterable[str]) -> Q:
    condition = Q()
    for word in words:
        condition |= Q(**{f"{column}__contains": word})
    return condition


def _piece_filter(piece: Piece) -> Q:
    if _uses_fts(piece):
        return _fts_ids(_fts_group(piece))
    return _any_of("search_key", piece.alternatives)


def _all_pieces(pieces: list[Piece]) -> Q:
    """Every piece matches. On SQLite the long words go to FTS5 in one MATCH."""
    condition = Q()
    fts = [p for p in pieces if _uses_fts(p)]
    for piece in pieces:
        if piece not in fts:
            condition &= _piece_filter(piece)
    if fts:
        condition &= _fts_ids(" AND ".join(_fts_group(p) for p in fts))
    return condition


def _some_piece(pieces: list[Piece]) -> Q:
    condition = Q()
    for piece in pieces:
        condition |= _piece_filter(piece)
    return condition


def _letters(word: str) -> str:
    """The word as a regular expression (the same in Python and PostgreSQL), a space allowed
    between two letters, not inside a number (search_words keeps a half-space as a space)."""
    parts = [re.escape(word[:1])]
    for before, letter in itertools.pairwise(word):
        digits = before in _DIGITS and letter in _DIGITS
        parts.append(("" if digits else " ?") + re.escape(letter))
    return "".join(parts)


_DIGITS = frozenset("0123456789")


def start_pattern(word: str) -> str:
    """search_words has `word` at the start of one of its words (it may run on into the
    next ones: «لپتاپ» in «لپ تاپ»)."""
    return f"(^| ){_letters(word)}"


def whole_pattern(word: str) -> str:
    """search_words has `word` as whole words («لگو» in «لگو ساختنی», not in «لگوها»)."""
    return f"(^| ){_letters(word)}( |$)"


def _regex_any(words: Iterable[str], pattern) -> Q:
    condition = Q()
    for word in words:
        condition |= Q(search_words__regex=pattern(word))
    return condition


def _fair_title(words: Iterable[str]) -> Q:
    """The title holds one of the words, and not only as a piece of its compact key that
    starts inside a word and runs into the next: «اپل» in «لپتاپلنوو» is no title hit.
    (The word inside one word, «سامسو» in «سامسونگ», or from a word's start is.)"""
    condition = Q()
    for word in words:
        condition |= Q(search_title__contains=word) & (
            Q(search_words__contains=word) | Q(search_words__regex=start_pattern(word))
        )
    return condition


def _brand_word(words: Iterable[str]) -> Q:
    """The brand holds one of the words, and it starts a word (of the brand, as a rule):
    «اکو» is the brand «اکو», not «هاکوپیان»."""
    condition = Q()
    for word in words:
        condition |= Q(brand_name__contains=word) & Q(search_words__regex=start_pattern(word))
    return condition


def _score(understanding: Understanding):
    """Where each piece matched, weighted (title > brand > Latin brand/category > specs),
    plus a bonus for a whole word or a word's start (see W_WORD_START)."""
    total = Value(0)
    for piece in understanding.pieces:
        alternatives = piece.alternatives
        total = total + Case(
            When(_fair_title(piece.primary or alternatives), then=Value(W_PRIMARY)),
            When(_fair_title(alternatives), then=Value(W_TITLE)),
            When(_any_of("brand_name", alternatives), then=Value(W_BRAND)),
            When(_any_of("search_words", alternatives), then=Value(W_WORDS)),
            default=Value(W_KEY),
            output_field=IntegerField(),
        )
        total = total + Case(
            When(_regex_any(alternatives, whole_pattern), then=Value(W_WHOLE_WORD)),
            When(_regex_any(alternatives, start_pattern), then=Value(W_WORD_START)),
            default=Value(0),
            output_field=IntegerField(),
        )
        total = total + Case(
            When(_brand_word(alternatives), then=Value(W_BRAND_WORD)),
            default=Value(0),
            output_field=IntegerField(),
        )
    whole = understanding.whole
    if len(understanding.pieces) > 0 and whole:
        total = total + Case(
            When(search_title__startswith=whole, then=Value(W_PHRASE_START)),
            When(search_title__contains=whole, then=Value(W_PHRASE)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return total


def _hits(pieces: list[Piece]):
    total = Value(0)
    for piece in pieces:
        total = total + Case(
            When(_any_of("search_key", piece.alternatives), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return total


def _probe(words: list[str]) -> dict[str, bool]:
    """Which of these words occur in some visible product's key: one statement."""
    from metavast.catalog.models import Product

    if not words:
        return {}
    parts, params = [], []
    for word in words:
        piece = Piece(typed=word, alternatives=[word])
        qs = Product.objects.visible().filter(_piece_filter(piece)).values("id")[:1]
        sql, sql_params = qs.query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {word: bool(found) for word, found in zip(words, row, strict=True)}


def _join_pairs(words: list[str], vocab: Vocabulary) -> list[str]:
    """Two typed words that are one word of the catalog become one: a synonym phrase
    («تلفن همراه»), or a name typed in two pieces that the vocabulary knows or that sounds
    like a vocabulary word («مک بوک» → macbook, «تینک پد» → thinkpad)."""
    joined: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and _is_one_word(words[i], words[i + 1], vocab):
            joined.append(words[i] + words[i + 1])
            i += 2
        else:
            joined.append(words[i])
            i += 1
    return joined


def _is_one_word(first: str, second: str, vocab: Vocabulary) -> bool:
    pair = first + second
    if first.isdigit() or second.isdigit() or first in STOP_WORDS or second in STOP_WORDS:
        return False
    if vocab.synonyms(pair) or (vocab.is_term(pair) and min(len(first), len(second)) <= 2):
        return True
    if max(len(first), len(second)) <= 2:
        # «ال جی», «پی سی»: two letters alone are in nearly every key and mean nothing; the
        # two are one name, which the shop has or has not (never «ال» and «جی» anywhere).
        return True
    parts_known = vocab.is_term(first) and vocab.is_term(second)
    if parts_known or vocab.occurs(pair):
        return False
    if vocab.sounds_like(pair):
        return True
    # «لب تاپ»: a short piece that is no word of its own, and the two a typo of one word
    return min(len(first), len(second)) <= 2 and vocab.has_close(pair)


def _add_sound_alikes(piece: Piece, vocab: Vocabulary) -> None:
    """Words of the catalog that sound like the typed one. From the other script all of them
    («آیفون» → iphone); from the same script only the nearest by typo distance, as a
    correction («شیاعومی» → «شیائومی», not every word with the same consonants)."""
    word = piece.typed
    alikes = vocab.sounds_like(word)
    if is_latin(word) and not word.isascii():  # «پوکوx6»: both scripts, all are "other"
        other, same = alikes, []
    else:
        other = [a for a in alikes if is_latin(a) != is_latin(word)]
        same = [a for a in alikes if is_latin(a) == is_latin(word)]
    same = [a for a in same if may_correct(word, a)]
    if same and not vocab.occurs(word):
        scored = sorted((typo_distance(word, a, limit=max_typo(word)), a) for a in same)
        if scored[0][0] <= max_typo(word):
            piece.corrected = scored[0][1]
            piece.shown = catalog_spelling(piece.corrected, vocab)
            other = [scored[0][1], *other]
    for alike in other:
        piece.alternatives += [alike, *vocab.synonyms(alike)]
        piece.primary.append(alike)
    piece.sounds_like = bool(other)


def spelled_in(text: str, word: str) -> str:
    """The part of `text` (one or more whole words of it, half-spaces kept) whose compact key
    is `word`, or ""."""
    parts = list(re.finditer(r"[^\s\u200c]+", text))
    for first, start in enumerate(parts):
        for end in parts[first : first + MAX_SPELLING_PARTS]:
            found = compact(text[start.start() : end.end()])
            if found == word:
                return text[start.start() : end.end()]
            if not word.startswith(found):
                break
    return ""


MAX_SPELLING_PARTS = 4
SPELLING_ROWS = 20


def catalog_spelling(word: str, vocab: Vocabulary) -> str:
    """How the catalog writes a vocabulary word (its keys lose «ئ», half-spaces and case):
    the brand, category or title words of a product that has it. One query the first time a
    worker shows the word as a correction (kept with the vocabulary, so per catalog version);
    the key itself if no product writes it as whole words."""
    found = vocab.spellings.get(word)
    if found is not None:
        return found
    from metavast.catalog.models import Product
    from metavast.catalog.tree import category_tree

    tree = category_tree()
    rows = (
        Product.objects.visible()
        .filter(search_key__contains=word)
        .order_by("-in_stock", "-sold_count", "-id")
        .values_list("brand_name", "brand__name_latin", "category_id", "title")[:SPELLING_ROWS]
    )
    found = ""
    for brand, latin, category_id, title in rows:
        for text in [brand, latin, *(n.name for n in tree.lineage(category_id)), title]:
            found = found or spelled_in(text or "", word)
    found = vocab.spellings[word] = found or word
    return found


def understand(query: str, *, probe=None) -> Understanding:
    """What the shopper meant, word by word (see the module's docstring). `probe(words)`
    says which words occur in some product (default: one SQL statement, `_probe`); the
    suggestions pass their own index instead, so a key press costs no SQL."""
    vocab = vocabulary()
    words = _join_pairs(query_words(query), vocab)
    result = Understanding(query=normalize(query))
    # A lone letter («ی» of «زرافه‌ی», "s") occurs in nearly every key: it says nothing.
    meaningful = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    for word in words:
        if word not in meaningful and meaningful:
            result.ignored.append(word)
    pieces: list[Piece] = []
    unknown: list[Piece] = []
    for word in dict.fromkeys(meaningful or words):
        piece = Piece(typed=word, alternatives=[word, *vocab.synonyms(word)], primary=[word])
        if not vocab.is_term(word) and not word.isdigit():
            _add_sound_alikes(piece, vocab)
        piece.alternatives = list(dict.fromkeys(piece.alternatives))[:MAX_ALTERNATIVES]
        pieces.append(piece)
        if not vocab.occurs(word) and len(piece.alternatives) == 1:
            unknown.append(piece)
    found = (probe or _probe)([p.typed for p in unknown])
    for piece in unknown:
        if found[piece.typed]:
            continue
        correction = vocab.closest(piece.typed)
        if correction:
            piece.corrected = correction
            piece.shown = catalog_spelling(correction, vocab)
            piece.primary = [correction]
            piece.alternatives = [correction, *vocab.synonyms(correction)][:MAX_ALTERNATIVES]
        else:
            pieces.remove(piece)
            result.ignored.append(piece.typed)
    result.pieces = pieces
    return result


MAX_ALTERNATIVES = 10


def matching(qs: QuerySet, query: str | Understanding) -> QuerySet:
    """Products of qs that match every piece of the query, with their score."""
    understanding = query if isinstance(query, Understanding) else understand(query)
    if not understanding.pieces:
        return qs.none().alias(search_score=Value(0), search_hits=Value(0))
    return qs.filter(_all_pieces(understanding.pieces)).alias(
        search_score=_score(understanding), search_hits=Value(len(understanding.pieces))
    )


def matching_some(qs: QuerySet, understanding: Understanding) -> QuerySet:
    """Products matching at least one piece, the most pieces first (when none has all)."""
    if not understanding.pieces:
        return qs.none().alias(search_score=Value(0), search_hits=Value(0))
    return qs.filter(_some_piece(understanding.pieces)).alias(
        search_score=_score(understanding), search_hits=_hits(understanding.pieces)
    )


def is_indexable(understanding: Understanding) -> bool:
    """Every word the trigram index can look up (three letters or more): a shorter one
    means reading every product, which suggestions while typing cannot afford."""
    return bool(understanding.pieces) and all(
        len(a) >= 3 for p in understanding.pieces for a in p.alternatives
    )


def by_relevance(qs: QuerySet) -> QuerySet:
    return qs.order_by("-search_hits", "-in_stock", "-search_score", "-sold_count", "-id")


def corrected_query(query: str) -> str:
    """The query as searched: typos corrected, words that match nothing left out."""
    return understand(query).corrected_query


def terms_of(text: str) -> set[str]:
    """The words worth remembering (normalised, 3 to 100 letters, not bare numbers), and
    a short word joined with its neighbour («لپ تاپ» → «لپتاپ», «اچ پی» → «اچپی»): Persian
    writes many names as two pieces that shoppers type as one."""
    words = normalize(text).split()
    found = {w for w in words if 3 <= len(w) <= 100 and not w.isdigit()}
    for first, second in itertools.pairwise(words):
        if first in STOP_WORDS or second in STOP_WORDS:
            continue  # «کتاب و لوازم»: «کتابو» is no word
        if (len(first) <= 2 or len(second) <= 2) and not (first + second).isdigit():
            pair = first + second
            if 3 <= len(pair) <= 100:
                found.add(pair)
    return found


def remember_terms(texts: Iterable[str]) -> None:
    from metavast.catalog.models import SearchTerm

    words: set[str] = set()
    for text in texts:
        words |= terms_of(text)
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=w) for w in sorted(words)], ignore_conflicts=True, batch_size=2000
    )


def index_products(product_ids: Iterable[int]) -> None:
    """Mirror the products' search keys into SQLite's FTS table (PostgreSQL needs nothing)."""
    if connection.vendor != "sqlite":
        return
    from metavast.catalog.models import Product

    ids = list(product_ids)
    if not ids:
        return
    rows = list(Product.objects.filter(id__in=ids).values_list("id", "search_key"))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM catalog_product_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608
        cursor.executemany(
            "INSERT INTO catalog_product_fts (rowid, search_key) VALUES (%s, %s)", rows
        )
