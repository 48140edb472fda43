"""The name tables in services/denials/names, read once and made ready for lookup.

Phrases (legal forms and abbreviations) are matched on folded words, so a table entry written
in any script or spelling finds the same phrase in a name written in another.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.denials.matching.text import main_script, transliterate, words

NAMES_DIR = Path(__file__).resolve().parent.parent / "names"
TABLE_FILES = ("legal_forms.json", "abbreviations.json", "stopwords.json", "transliteration.json")
LEGAL_FORM = "legal form"
ABBREVIATION = "abbreviation"
_REPEATS = re.compile(r"(.)\1+")
_SHORTEST_DOUBLED = 5


@dataclass(frozen=True)
class Phrase:
    """A phrase of a table: its folded words, what kind it is, and what it is read as."""

    words: tuple[str, ...]
    kind: str
    to: tuple[str, ...]
    # Written in a script without vowels: only such phrases are read in such a name, whose
    # consonants may spell a Latin abbreviation by chance ("hwyy", folded "hvy").
    skeleton: bool = False


@dataclass(frozen=True)
class Tables:
    """The tables ready for lookup: phrases by their first folded word, longest first.

    `bare_phrases` are those written in a script without vowels, the only ones read in a name
    written in one.
    """

    phrases: dict[str, tuple[Phrase, ...]]
    bare_phrases: dict[str, tuple[Phrase, ...]]
    stopwords: frozenset[str]
    folds: tuple[tuple[str, str, str, int], ...]
    skeleton_scripts: frozenset[str]
    skeleton_drop: str
    skeleton_drop_final: str
    skeleton_map: dict[int, str]
    script_names: dict[str, str]


def _read(name: str) -> Any:
    return json.loads((NAMES_DIR / name).read_text(encoding="utf-8"))


def tables_digest() -> str:
    """A digest of the table files: it changes whenever a table does."""
    h = hashlib.sha256()
    for name in TABLE_FILES:
        h.update((NAMES_DIR / name).read_bytes())
    return h.hexdigest()


@functools.cache
def _fold_rules() -> tuple[tuple[str, str, str, int], ...]:
    data = _read("transliteration.json")
    return tuple((f["from"], f["to"], f["at"], int(f.get("min", 0))) for f in data["folds"])


@functools.lru_cache(maxsize=131072)
def fold(word: str) -> str:
    """A word with transliteration spellings, plurals and doubled letters folded."""
    for old, new, at, shortest in _fold_rules():
        if len(word) < shortest:
            continue
        if at == "any":
            word = word.replace(old, new)
        elif at == "start":
            if word.startswith(old):
                word = new + word[len(old):]
        elif word.endswith(old) and len(word) > len(old) + 1:
            word = word[: -len(old)] + new
    # Doubled letters are a spelling (Rheinmetall, Rheinmetal); in a short word or an acronym
    # they are letters of their own (SSRC is not SRC).
    return _REPEATS.sub(r"\1", word) if len(word) >= _SHORTEST_DOUBLED else word


def _spellings(alias: str) -> list[list[str]]:
    # Both umlaut spellings, as names are prepared.
    found: list[list[str]] = []
    for umlauts in (False, True):
        toks = words(transliterate(alias, umlauts=umlauts))
        if toks and toks not in found:
            found.append(toks)
    return found


def _phrase_entries() -> list[Phrase]:
    entries: list[Phrase] = []
    vowelless = frozenset(_read("transliteration.json")["skeleton"]["scripts"])
    legal = _read("legal_forms.json")
    groups = [*legal["languages"].values(), legal["imported"]]
    for group in groups:
        for form in group["forms"]:
            for alias in [form["form"], *form["aliases"]]:
                bare = main_script(alias) in vowelless
                for toks in _spellings(alias):
                    entries.append(Phrase(tuple(fold(t) for t in toks), LEGAL_FORM, tuple(toks),
                                          bare))
    for group in _read("abbreviations.json")["languages"].values():
        for to, aliases in group["abbreviations"].items():
            target = tuple(words(transliterate(to, umlauts=False)))
            for alias in aliases:
                bare = main_script(alias) in vowelless
                for toks in _spellings(alias):
                    entries.append(Phrase(tuple(fold(t) for t in toks), ABBREVIATION, target,
                                          bare))
    return entries


def _by_first(entries: list[Phrase]) -> dict[str, tuple[Phrase, ...]]:
    by_first: dict[str, dict[tuple[str, ...], Phrase]] = {}
    for phrase in entries:
        if not phrase.words:
            continue
        slot = by_first.setdefault(phrase.words[0], {})
        # A legal form wins over an abbreviation of the same words; the first entry otherwise.
        if phrase.words not in slot or (phrase.kind == LEGAL_FORM
                                        and slot[phrase.words].kind != LEGAL_FORM):
            slot[phrase.words] = phrase
    return {first: tuple(sorted(slot.values(), key=lambda p: -len(p.words)))
            for first, slot in by_first.items()}


@functools.cache
def tables() -> Tables:
    """The tables, read and indexed on first use (never at import)."""
    entries = _phrase_entries()
    phrases = _by_first(entries)
    bare_phrases = _by_first([p for p in entries if p.skeleton])
    stop: set[str] = set()
    for group in _read("stopwords.json")["languages"].values():
        for word in group["words"]:
            stop.update(fold(t) for t in words(transliterate(word, umlauts=False)))
    skeleton = _read("transliteration.json")["skeleton"]
    return Tables(phrases=phrases, bare_phrases=bare_phrases, stopwords=frozenset(stop),
                  folds=_fold_rules(),
                  skeleton_scripts=frozenset(skeleton["scripts"]),
                  skeleton_drop=skeleton["drop"], skeleton_drop_final=skeleton["drop_final"],
                  skeleton_map=str.maketrans(skeleton["map"]), script_names=skeleton["names"])


def joined(word: str) -> str:
    """Words written as one: doubled letters at the seams fold as within a word."""
    return _REPEATS.sub(r"\1", word)


@functools.lru_cache(maxsize=131072)
def skeleton(word: str) -> str:
    """The consonants of a word, folded, as a script without vowels writes it."""
    t = tables()
    bare = "".join(c for c in word.translate(t.skeleton_map) if c not in t.skeleton_drop)
    while bare and bare[-1] in t.skeleton_drop_final and len(bare) > 1:
        bare = bare[:-1]
    # The vowels go first: consonants brought together ("hataasiya", "hts") fold as one.
    return _REPEATS.sub(r"\1", fold(bare))
