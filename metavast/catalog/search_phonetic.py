"""Sound keys shared by Persian and Latin script, and a typo distance for Persian typists.

Iranian shoppers type Latin brand and model names the way they sound in Persian («آیفون»,
«گلکسی», «ردمی نوت») and Persian words in Latin ("ketab"). Both scripts are reduced to the
same *consonant skeleton*: each letter maps to a sound class, vowels (and the letters Persian
uses as vowels: ا آ ع ی و, final ه) are dropped, and repeats collapse. «آیفون» and "iphone"
both become FN, «گلکسی» and "galaxy" GLKS, «لپتاپ» and "laptop" LPTP. The key is coarse on
purpose: it only ever proposes words that exist in the catalog's vocabulary.

`typo_distance` is a Damerau-Levenshtein distance where the letters Persian typists confuse
(ت/ط, س/ص/ث, ز/ذ/ض/ظ, ه/ح, ب/پ, ک/گ, ج/چ, ق/غ, ا/آ) cost 0.4 instead of 1, and a dropped or
added vowel letter (ا آ و ی) 0.5. No library: rapidfuzz and jellyfish (both in the package
lists) take one weight per edit kind, not per letter pair, and weighted-levenshtein's cost
tables cover ASCII only; the distance is ~30 lines and runs on short words.
"""

from __future__ import annotations

from functools import lru_cache

_PERSIAN = {
    "ب": "B",
    "پ": "P",
    "ت": "T",
    "ط": "T",
    "ث": "S",
    "س": "S",
    "ص": "S",
    "ج": "J",
    "چ": "C",
    "ح": "H",
    "ه": "H",
    "خ": "X",
    "د": "D",
    "ذ": "Z",
    "ز": "Z",
    "ض": "Z",
    "ظ": "Z",
    "ژ": "Z",
    "ر": "R",
    "ش": "Š",
    "ف": "F",
    "ق": "K",
    "غ": "K",
    "ک": "K",
    "گ": "G",
    "ل": "L",
    "م": "M",
    "ن": "N",
}
_PERSIAN_VOWELS = set("اآعءأئیو")
_LATIN_DIGRAPHS = (
    ("tch", "C"),
    ("ph", "F"),
    ("sh", "Š"),
    ("ch", "C"),
    ("kh", "X"),
    ("th", "T"),
    ("gh", "K"),
    ("ck", "K"),
    ("zh", "Z"),
)
_LATIN = {
    "b": "B",
    "p": "P",
    "t": "T",
    "s": "S",
    "j": "J",
    "d": "D",
    "z": "Z",
    "r": "R",
    "f": "F",
    "k": "K",
    "g": "G",
    "l": "L",
    "m": "M",
    "n": "N",
    "h": "H",
    "q": "K",
    "x": "KS",
}
_LATIN_VOWELS = set("aeiouyvw")


@lru_cache(maxsize=65536)
def sound_key(word: str) -> str:
    """The consonant skeleton of one normalised word (either script, digits kept)."""
    classes: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if ch in _PERSIAN:
            if ch == "ه" and i == n - 1:
                i += 1
                continue  # final ه is a vowel: «خانه»
            classes.append(_PERSIAN[ch])
        elif ch in _PERSIAN_VOWELS or ch in _LATIN_VOWELS:
            pass
        elif ch == "h" and i == n - 1 and i > 0 and word[i - 1] in "ae":
            pass  # "shahnameh", "khaneh": the Persian final ه again
        elif "a" <= ch <= "z":
            for digraph, cls in _LATIN_DIGRAPHS:
                if word.startswith(digraph, i):
                    classes.append(cls)
                    i += len(digraph)
                    break
            else:
                nxt = word[i + 1] if i + 1 < n else ""
                if ch == "c":
                    classes.append("S" if nxt in ("e", "i", "y") else "K")
                elif ch == "g" and nxt in ("e", "i") and i > 0:
                    classes.append("J")  # "legion" «لجن»; a first g stays hard: "gift"
                else:
                    classes.append(_LATIN[ch])
                i += 1
            continue
        elif ch.isdigit():
            classes.append(ch)
        i += 1
    key = "".join(classes)
    collapsed = [c for k, c in enumerate(key) if k == 0 or key[k - 1] != c]
    return "".join(collapsed)


_CONFUSABLE_GROUPS = (
    "تط",
    "سصث",
    "زذضظ",
    "هح",
    "بپ",
    "کگ",
    "جچ",
    "قغ",
    "اآ",
    "یئ",
    "ck",
    "sz",
    "iy",
)
_CONFUSED = {(a, b) for group in _CONFUSABLE_GROUPS for a in group for b in group if a != b}
_SOFT_LETTERS = set("اآوی")  # Persian writes these vowels or leaves them out
CONFUSED_COST = 0.4
SOFT_COST = 0.5


def typo_distance(a: str, b: str, *, limit: float = 3.0) -> float:
    """Weighted Damerau-Levenshtein distance; anything above `limit` comes back as limit+1.

    A letter costs CONFUSED_COST against one it is confused with, and SOFT_COST to drop or
    add when it is a vowel letter (_SOFT_LETTERS). This is the hottest loop of understanding
    a query (every correction candidate goes through it), so it is written out flat: no
    helper call or min() per cell."""
    if abs(len(a) - len(b)) > limit * 2:
        return limit + 1
    soft, confused = _SOFT_LETTERS, _CONFUSED
    insert_costs = [SOFT_COST if ch in soft else 1.0 for ch in b]
    previous = [0.0]
    for cost in insert_costs:
        previous.append(previous[-1] + cost)
    previous2: list[float] = []
    columns = range(1, len(b) + 1)
    before = ""  # a[i - 2]
    for i, ch in enumerate(a, 1):
        delete_cost = SOFT_COST if ch in soft else 1.0
        left = previous[0] + delete_cost
        current = [left]
        lowest = left
        for j in columns:
            other = b[j - 1]
            cost = previous[j] + delete_cost
            insert = left + insert_costs[j - 1]
            if insert < cost:
                cost = insert
            if ch == other:
                replace = previous[j - 1]
            elif (ch, other) in confused:
                replace = previous[j - 1] + CONFUSED_COST
            else:
                replace = previous[j - 1] + 1.0
            if replace < cost:
                cost = replace
            if i > 1 and j > 1 and ch == b[j - 2] and before == other:
                swapped = previous2[j - 2] + 0.7  # swapped neighbours
                if swapped < cost:
                    cost = swapped
            current.append(cost)
            left = cost
            if cost < lowest:
                lowest = cost
        if lowest > limit:
            return limit + 1
        previous2, previous = previous, current
        before = ch
    return previous[-1]
