"""The search's ranking and close matches, the parts that need no index: word starts, tier
codes, ordering by tier, and one-edit tests (see ssotui/tui/search.py for the semantics).

Pure Python (no textual, no rich).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress, repeat
from operator import ne

# Word starts, for the word-prefix tier. A "word text" is the folded text with a WORD in front
# and after every break, plus a WORD-led copy of the rest of the text from each camelCase hump:
# a term starts at a word exactly where its own word text is inside it. Both markers are
# whitespace, so never inside a term.
BREAKS = "-_./@+: "
WORD = "\x1f"
_MARK = str.maketrans({char: char + WORD for char in BREAKS})
BREAK_RUN = re.compile(r"[-_./@+: ]+")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# A term's tier in a field, coded so that OR gives the better of two and AND the worse:
# one bit per "at least this good" (exact 15, word prefix 14, substring 12, fuzzy 8).
EXACT, PREFIX, SUBSTRING, FUZZY = 15, 14, 12, 8
TIER = bytes({EXACT: 0, PREFIX: 1, SUBSTRING: 2}.get(code, 3) for code in range(256))
SUM_TERMS = 10  # up to this many terms, a sum of tiers (<= 30) fits under the worst tier
WORST = bytes(32 * tier for tier in TIER)
MIN_EDITED = 3  # shorter terms are never taken as a misspelling


def substring_only(term: str) -> bool:
    """Whether ``term`` matches only as a substring (one character, or digits), never fuzzily."""
    return len(term) == 1 or term.isdigit()


def word_term(term: str) -> str:
    """What a word text holds where ``term`` starts at a word."""
    return WORD + term.translate(_MARK)


def word_texts(fields: Sequence[Sequence[str]], heads: Sequence[str]) -> list[str]:
    """The word text (see BREAKS) of each item whose folded fields are ``fields`` (one
    sequence per field); camelCase humps are those of ``heads``, its first field unfolded."""
    count = len(heads)
    # All texts in one string, a pass of str.replace per break over it, and one split (a
    # str.translate that grows characters is ~6x slower): "<W>name<W>id<W>\n<W>name…".
    step = len(fields) + 1
    parts = [""] * (count * step)
    for index, field in enumerate(fields):
        parts[index::step] = field
    parts[len(fields) :: step] = ["\n"] * count
    joined = WORD + WORD.join(parts)
    for char in BREAKS:
        if char in joined:
            joined = joined.replace(char, char + WORD)
    marked = joined.split("\n")[:-1]
    if len(marked) != count:  # a newline inside a text
        marked = ["".join(word_term(field[index]) for field in fields) for index in range(count)]
    # Only a head with capitals can have humps (C-level test, Python for those few).
    for index in compress(range(count), map(ne, heads, fields[0])):
        low = fields[0][index]
        humps = [word_term(low[hump.start() :]) for hump in CAMEL.finditer(heads[index])]
        marked[index] += "".join(humps)
    return marked


def _at_word_start(folded: str, text: str, start: int) -> bool:
    """Whether offset ``start`` of ``text`` (``folded`` is its folded form) begins a word."""
    return start == 0 or folded[start - 1] in BREAKS or CAMEL.match(text, start) is not None


def word_find(term: str, folded: str, text: str) -> int:
    """Where ``term`` is in ``folded``: the first place at a word start, else the first, else -1."""
    first = start = folded.find(term)
    while start > 0 and not _at_word_start(folded, text, start):
        start = folded.find(term, start + 1)
    return first if start < 0 else start


def tier_codes(
    term: str, joined: Sequence[str], words: Sequence[str], found: bytes | None
) -> bytes:
    """The tier code of ``term`` (not exact) for each account, given its joined text (name,
    id, e-mail), the word text of that (and ``found``, which joined texts hold the term, when
    known)."""
    size = len(joined)
    if substring_only(term):  # whatever matches it is a substring: no test needed
        base = int.from_bytes(bytes((SUBSTRING,)) * size, "little")
    else:
        if found is None:
            found = bytes(map(str.__contains__, joined, repeat(term)))
        if 1 not in found:
            return bytes((FUZZY,)) * size
        base = int.from_bytes(bytes((FUZZY,)) * size, "little")
        base |= int.from_bytes(found, "little") << 2
    at_word = bytes(map(str.__contains__, words, repeat(word_term(term))))
    return (base | int.from_bytes(at_word, "little") << 1).to_bytes(size, "little")


def by_key(rows: list[int], keys: bytes) -> list[int]:
    """``rows`` ordered by their byte in ``keys`` (lowest first), stably."""
    present = []
    seen = 0
    for key in range(256):
        if seen == len(rows):
            break
        if number := keys.count(key):
            present.append(key)
            seen += number
    if len(present) == 1:
        return rows
    ordered: list[int] = []
    for key in present:
        ordered += compress(rows, keys.translate(_only(key)))
    return ordered


@lru_cache(maxsize=256)
def _only(key: int) -> bytes:
    """A ``bytes.translate`` table: 1 for ``key``, 0 for every other byte."""
    return bytes(256)[:key] + b"\1" + bytes(255 - key)


def near_prefix(term: str, word: str) -> str | None:
    """The shortest prefix of ``word`` (maybe all of it) that is at most one edit from
    ``term``, or None."""
    for length in range(max(0, len(term) - 1), min(len(term) + 1, len(word)) + 1):
        if one_edit(term, word[:length]):
            return word[:length]
    return None


def one_edit(one: str, other: str) -> bool:
    """Whether the two are equal, or one letter is missing, extra or wrong, or two neighbouring
    letters are swapped (Damerau-Levenshtein distance at most 1)."""
    if len(one) < len(other):
        one, other = other, one
    if len(one) - len(other) > 1:
        return False
    same = 0
    for mine, theirs in zip(one, other, strict=False):
        if mine != theirs:
            break
        same += 1
    if len(one) > len(other):  # one letter extra in ``one``
        return one[same + 1 :] == other[same:]
    if same == len(one):
        return True
    return one[same + 1 :] == other[same + 1 :] or (
        one[same : same + 2] == other[same : same + 2][::-1]
        and one[same + 2 :] == other[same + 2 :]
    )


def role_tiers(term: str, role_texts: Sequence[str], role_words: Sequence[str]) -> bytes:
    """The term's tier code per role name, given the folded names and their word texts
    (fuzzy where it is no substring: see `tier_codes`)."""
    start = word_term(term)
    return bytes(
        EXACT
        if text == term
        else (PREFIX if start in words else SUBSTRING)
        if term in text
        else FUZZY
        for text, words in zip(role_texts, role_words, strict=True)
    )


def words_of(texts: Sequence[str]) -> set[str]:
    """Every word of the texts, not folded: str.replace over all of them at once, then a regex
    for the humps of each distinct piece."""
    joined = "\n".join(texts)
    for char in BREAKS:
        joined = joined.replace(char, "\n")
    pieces = set(joined.split("\n"))
    return {word for piece in pieces for word in CAMEL.split(piece) if word}
