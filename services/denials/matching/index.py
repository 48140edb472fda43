"""The name index: keys under which any two names the matcher calls one entity meet; pure.

A registry of 100,000 denials cannot compare every name of a destination with the one asked
about. Each prepared name is filed under index words that any name `compare_forms` pairs it
with shares, so a screening scores only the denials sharing a word with its names:
  =<words sorted>               the same words in any order;
  +<words joined>               the same letters joined or split ("Nord Strom", "Nordstrom"),
                                joined as written, sorted first, or with the connectors;
  @i<initials>, @w<word>        a one-word name and the name it is the acronym of: a name is
                                filed under its initials, a one-word name under its word, and
                                each asks for the other;
  ~<the other words>#<length>   all words but one the same: the odd word, at least six letters
                                long (a shorter one may carry no typo), filed by its length;
                                a name asking looks up the lengths a typo allows.
Each is filed for the folded words and, prefixed `s`, for their consonant skeletons (a name in
a script without vowels is compared by consonants with any other). The index words
over-approximate (a shared word is only a candidate, compared in full); a change to `prepare`,
`fold`, `typo_allowance`, the tables or these words changes NAME_INDEX_VERSION, and a migration
must then file every denial again (until it has, screening compares them all).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from services.denials.matching.compare import joined_forms, skeleton_joined, typo_allowance
from services.denials.matching.prepare import Form, PreparedName
from services.denials.matching.tables import fold, skeleton

_MIN_TYPO_LENGTH = 6  # the shortest word `typo_allowance` allows an edit


def _keys_of(prefix: str, words: Sequence[str], joins: set[str], *,
             asking: bool) -> set[str]:
    keys: set[str] = set()
    ordered = sorted(words)
    keys.add(prefix + "=" + " ".join(ordered))
    keys.update(prefix + "+" + j for j in joins)
    for odd in set(ordered):
        if len(odd) < _MIN_TYPO_LENGTH:
            continue
        rest = list(ordered)
        rest.remove(odd)
        stem = prefix + "~" + " ".join(rest) + "#"
        spread = typo_allowance(len(odd)) if asking else 0
        keys.update(f"{stem}{n}" for n in range(len(odd) - spread, len(odd) + spread + 1))
    return keys


def _form_keys(form: Form, *, asking: bool) -> set[str]:
    keys: set[str] = set()
    if not form.skeleton:
        keys |= _keys_of("", [fold(w) for w in form.words],
                         joined_forms(form.words, form.full), asking=asking)
        # A one-word name meets the names it is the acronym of (`compare.acronym_of`), and only
        # those: two names of the same initials do not meet by them.
        if len(form.words) == 1:
            keys.add(("@i" if asking else "@w") + fold(form.words[0]))
        keys.update(("@w" if asking else "@i") + i for i in form.initials)
    bones = [s for w in form.words if (s := skeleton(w))]
    if bones:
        full = [s for w in form.full if (s := skeleton(w))]
        keys |= _keys_of("s", bones, skeleton_joined(bones) | skeleton_joined(full),
                         asking=asking)
    return keys


def _index_key(word: str) -> int:
    # Eight bytes of a stable hash, signed to fit a BIGINT; a collision only adds a candidate.
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _index_words(name: PreparedName, *, asking: bool) -> set[str]:
    words: set[str] = set()
    for form in name.variants + name.aliases:
        words |= _form_keys(form, asking=asking)
    return words


def filing_keys(*names: PreparedName | None) -> set[int]:
    """The index keys a denial's names are filed under."""
    return {_index_key(w) for n in names if n is not None for w in _index_words(n, asking=False)}


def lookup_keys(*names: PreparedName | None) -> set[int]:
    """The index keys to look up for names asked about: every key a same entity is filed under."""
    return {_index_key(w) for n in names if n is not None for w in _index_words(n, asking=True)}
