"""Entity resolution for "essentially identical" transactions; pure.

A name is prepared once (transliterated, legal forms stripped, spelling variants made
canonical) and the prepared form is kept with the denial, so a screening only compares.
Two names are the same entity when their distinctive words pair up: word order, joined or split
words and one small misspelling of one word are tolerated; a different distinctive word is not.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

NORMALISER_VERSION = 1

# German umlauts have a two-letter spelling (Nordström = Nordstroem) besides the bare vowel.
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)

# Legal forms say nothing about who the entity is. Trailing ones are stripped repeatedly;
# the leading ones are those written before the name (OOO Romashka, PT Pindad, JSC ...).
_TRAILING_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "cos",
        "plc",
        "llp",
        "lp",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ohg",
        "kgaa",
        "ug",
        "ev",
        "sa",
        "sas",
        "sarl",
        "sasu",
        "sca",
        "snc",
        "spa",
        "srl",
        "sl",
        "slu",
        "sau",
        "bv",
        "nv",
        "vof",
        "oy",
        "oyj",
        "ab",
        "aps",
        "as",
        "asa",
        "a",
        "s",
        "hf",
        "ehf",
        "sro",
        "spol",
        "doo",
        "dd",
        "ad",
        "ood",
        "eood",
        "zrt",
        "kft",
        "nyrt",
        "bt",
        "sp",
        "zoo",
        "sk",
        "ltda",
        "pty",
        "pvt",
        "private",
        "public",
        "pte",
        "sdn",
        "bhd",
        "kk",
        "gk",
        "yk",
        "jsc",
        "pjsc",
        "ojsc",
        "cjsc",
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "fze",
        "fzco",
        "fzc",
        "fzllc",
        "wll",
        "spc",
        "se",
        "pc",
        "tov",
        "too",
        "limitada",
        "cia",
        "sac",
        "scs",
        "holding",
        "holdings",
        "group",
    ]
)
_LEADING_FORMS = frozenset(
    [
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "jsc",
        "pjsc",
        "ojsc",
        "cjsc",
        "pt",
        "tov",
        "too",
        "llc",
        "cv",
    ]
)
_CONNECTORS = frozenset({"and", "und", "et", "y", "e"})
_STOP_WORDS = frozenset({"the", "of", "and", "for", "&"})

# Spelling variants and abbreviations mapped to one spelling (British, written out).
_SPELLING = {
    "defense": "defence",
    "defenses": "defences",
    "center": "centre",
    "centers": "centres",
    "organization": "organisation",
    "organizations": "organisations",
    "armor": "armour",
    "armored": "armoured",
    "armory": "armoury",
    "aluminum": "aluminium",
    "color": "colour",
    "technologies": "technology",
    "technologie": "technology",
    "technik": "technology",
    "intl": "international",
    "int": "international",
    "mfg": "manufacturing",
    "industry": "industries",
    "ind": "industries",
    "inds": "industries",
    "sys": "systems",
    "eng": "engineering",
    "engg": "engineering",
    "labs": "laboratories",
    "lab": "laboratory",
    "dept": "department",
    "natl": "national",
    "govt": "government",
    "mil": "military",
    "electronic": "electronics",
    "st": "saint",
    "ste": "sainte",
    "svcs": "services",
    "svc": "services",
    "bros": "brothers",
    "assoc": "associates",
}

# Transliteration spellings that denote the same sound (kh/h, ks/x, ph/f), umlaut spellings
# and doubled letters: folded away before words are compared.
_FOLDS = (
    ("sch", "sh"),
    ("kh", "h"),
    ("ks", "x"),
    ("ph", "f"),
    ("ck", "k"),
    ("ae", "a"),
    ("oe", "o"),
    ("ue", "u"),
)
_REPEATS = re.compile(r"(.)\1+")
_BRACKETS = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]?")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class PreparedName:
    """A name made ready for comparison: its spellings and the aliases given in brackets."""

    raw: str
    variants: tuple[tuple[str, ...], ...]
    aliases: tuple[tuple[str, ...], ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form, cached with the denial."""
        return {
            "v": NORMALISER_VERSION,
            "raw": self.raw,
            "variants": [list(v) for v in self.variants],
            "aliases": [list(a) for a in self.aliases],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PreparedName:
        """Read a cached form back; prepares afresh when the normaliser has changed since."""
        if data.get("v") != NORMALISER_VERSION:
            return prepare(str(data.get("raw", "")))
        return cls(
            raw=data["raw"],
            variants=tuple(tuple(v) for v in data["variants"]),
            aliases=tuple(tuple(a) for a in data["aliases"]),
        )


@dataclass(frozen=True)
class NameMatch:
    """The verdict on two names: whether they are one entity, and how alike they are (0..1)."""

    same: bool
    score: float


def _ascii(text: str, *, umlauts: bool) -> str:
    if umlauts:
        text = text.translate(_UMLAUTS)
    text = unicodedata.normalize("NFKC", text)
    return anyascii(text).lower()


def _tokens(text: str) -> list[str]:
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "").replace("`", "")
    raw = [t for t in _NON_WORD.split(text) if t]
    # S.A., B.V., d.o.o., I.M.I.: runs of single letters are one word.
    out: list[str] = []
    run: list[str] = []
    for tok in raw:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(tok)
    if run:
        out.append("".join(run))
    return out


def _canonical(tokens: Iterable[str]) -> tuple[str, ...]:
    words = [_SPELLING.get(t, t) for t in tokens]
    core = _strip_forms(words)
    kept = tuple(w for w in core if w not in _STOP_WORDS)
    return kept or tuple(core) or tuple(words)


def _strip_forms(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while end - start > 1 and (words[end - 1] in _TRAILING_FORMS or words[end - 1] in _CONNECTORS):
        end -= 1
    while end - start > 1 and words[start] in _LEADING_FORMS:
        start += 1
    return words[start:end]


def prepare(name: str) -> PreparedName:
    """Prepare a name: transliterate, split off bracketed aliases, drop legal forms."""
    variants: list[tuple[str, ...]] = []
    aliases: list[tuple[str, ...]] = []
    for umlauts in (True, False):
        text = _ascii(name, umlauts=umlauts)
        inner = [m.group(1) for m in _BRACKETS.finditer(text)]
        main = _BRACKETS.sub(" ", text)
        for form in (
            _canonical(_tokens(main)),
            _canonical(_tokens(text.replace("(", " ").replace(")", " "))),
        ):
            if form and form not in variants:
                variants.append(form)
        for alias in inner:
            form = _canonical(_tokens(alias))
            if form and form not in aliases and form not in variants:
                aliases.append(form)
    return PreparedName(raw=name, variants=tuple(variants), aliases=tuple(aliases))


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word with transliteration spellings, umlaut spellings and doubled letters folded."""
    for old, new in _FOLDS:
        word = word.replace(old, new)
    return _REPEATS.sub(r"\1", word)


def typo_allowance(length: int) -> int:
    """How many edits a word of this length may carry and still be the same word."""
    if length >= 10:
        return 2
    if length >= 5:
        return 1
    return 0


def _close(a: str, b: str) -> bool:
    return OSA.distance(a, b) <= typo_allowance(min(len(a), len(b)))


def same_tokens(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two canonical word lists name one entity (order free, joins and one typo)."""
    fa, fb = [fold(t) for t in a], [fold(t) for t in b]
    if len(fa) == len(fb):
        # The words of each not among the other's (as multisets): none, or one small typo.
        rest_a, rest_b = [], list(fb)
        for word in fa:
            if word in rest_b:
                rest_b.remove(word)
            else:
                rest_a.append(word)
        return not rest_a or (len(rest_a) == 1 and _close(rest_a[0], rest_b[0]))
    # Joined or split words: "Nord Strom" is "Nordstrom". Only spelled exactly, so that the
    # joined form does not smuggle in a second misspelt word.
    return "".join(fa) == "".join(fb) or "".join(sorted(fa)) == "".join(sorted(fb))


# -- the name index -------------------------------------------------------------------------
#
# A registry of 100,000 denials cannot compare every name of a destination with the one asked
# about. Each prepared name is filed under index words that any name `same_tokens` pairs it
# with shares, so a screening scores only the denials sharing a word with its names:
#   =<words sorted>               the same words in any order;
#   +<words joined>               the same letters joined or split ("Nord Strom", "Nordstrom"),
#                                 joined as written or sorted first;
#   ~<the other words>#<length>   all words but one the same: the odd word, at least five letters
#                                 long (a shorter one may carry no typo), filed by its length;
#                                 a name asking looks up the lengths a typo allows.
# The index words over-approximate (a shared word is only a candidate, compared in full); a
# change to `prepare`, `fold`, `typo_allowance` or these words changes NAME_INDEX_VERSION, and
# a migration must then file every denial again (until it has, screening compares them all).

NAME_INDEX_VERSION = f"{NORMALISER_VERSION}.1"
_MIN_TYPO_LENGTH = 5


def _index_words(name: PreparedName, *, asking: bool) -> set[str]:
    words: set[str] = set()
    for form in name.variants + name.aliases:
        folded = [fold(t) for t in form]
        ordered = sorted(folded)
        words.add("=" + " ".join(ordered))
        words.add("+" + "".join(folded))
        words.add("+" + "".join(ordered))
        for odd in set(ordered):
            if len(odd) < _MIN_TYPO_LENGTH:
                continue
            rest = list(ordered)
            rest.remove(odd)
            stem = "~" + " ".join(rest) + "#"
            spread = typo_allowance(len(odd)) if asking else 0
            words.update(f"{stem}{n}" for n in range(len(odd) - spread, len(odd) + spread + 1))
    return words


def _index_key(word: str) -> int:
    # Eight bytes of a stable hash, signed to fit a BIGINT; a collision only adds a candidate.
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big",
                          signed=True)


def filing_keys(*names: PreparedName | None) -> set[int]:
    """The index keys a denial's names are filed under."""
    return {_index_key(w) for n in names if n is not None for w in _index_words(n, asking=False)}


def lookup_keys(*names: PreparedName | None) -> set[int]:
    """The index keys to look up for names asked about: every key a same entity is filed under."""
    return {_index_key(w) for n in names if n is not None for w in _index_words(n, asking=True)}


def _similarity(a: Sequence[str], b: Sequence[str]) -> float:
    if [fold(t) for t in sorted(a)] == [fold(t) for t in sorted(b)]:
        return 1.0
    spaced = fuzz.token_sort_ratio(" ".join(a), " ".join(b))
    joined = fuzz.ratio("".join(a), "".join(b))
    return round(max(spaced, joined) / 100.0, 2)


def _form_pairs(a: PreparedName, b: PreparedName) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    pairs = [(x, y) for x in a.variants for y in b.variants]
    # A bracketed acronym stands for its name, but two names sharing an acronym are not one.
    pairs += [(x, y) for x in a.aliases for y in b.variants]
    pairs += [(x, y) for x in a.variants for y in b.aliases]
    return pairs


def entity_score(a: PreparedName, b: PreparedName) -> float | None:
    """The best similarity among the forms that make two names one entity; None if none do."""
    best: float | None = None
    for x, y in _form_pairs(a, b):
        if same_tokens(x, y):
            score = _similarity(x, y)
            best = score if best is None else max(best, score)
    return best


def compare_names(a: PreparedName, b: PreparedName) -> NameMatch:
    """Whether two prepared names are one entity, and the best similarity among their forms."""
    score = entity_score(a, b)
    if score is not None:
        return NameMatch(same=True, score=score)
    return NameMatch(same=False, score=max(
        (_similarity(x, y) for x, y in _form_pairs(a, b)), default=0.0))


def same_entity(a: str, b: str) -> NameMatch:
    """Compare two raw names (convenience for tests and one-off checks)."""
    return compare_names(prepare(a), prepare(b))
