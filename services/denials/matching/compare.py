"""Comparing prepared names: one entity when their distinctive words pair up; pure.

Word order, joined or split words, transliteration spellings and one small misspelling of one
word are tolerated; a different distinctive word is not ("Alpha Optics" is not "Alpha
Acoustics"), nor is a different morpheme in a long word ("Technopromexport" is not
"Technopromimport"): a typo is a slip of the hand, not a block of other letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from services.denials.matching.prepare import Form, PreparedName, prepare
from services.denials.matching.tables import fold, joined, skeleton

ACRONYM_SCORE = 0.8


@dataclass(frozen=True)
class NameMatch:
    """The verdict on two names: whether they are one entity, and how alike they are (0..1)."""

    same: bool
    score: float


@dataclass(frozen=True)
class EntityMatch:
    """Two names found one entity: the names, the score, and why, in words."""

    a: str
    b: str
    score: float
    reasons: tuple[str, ...]

    def explain(self) -> str:
        """The reasons in one line."""
        return "; ".join(self.reasons)


def typo_allowance(length: int) -> int:
    """How many edits a word of this length may carry and still be the same word."""
    if length >= 10:
        return 2
    if length >= 6:
        # Five letters and fewer: one letter apart is another name (Mesko, Mesco; Terma, Termo).
        return 1
    return 0


def close(a: str, b: str) -> bool:
    """Whether two folded words differ by no more than a typo of the shorter one's length."""
    distance = OSA.distance(a, b)
    if distance > typo_allowance(min(len(a), len(b))):
        return False
    if distance < 2:
        return True
    # Two letters replaced side by side are another morpheme (EXport, IMport), not two slips;
    # a letter dropped beside another replaced is a slip (AeronAUtics, AeronOtics).
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return not len(a) - start - end == len(b) - start - end == 2


def joined_forms(words: Sequence[str], full: Sequence[str]) -> set[str]:
    """A form's words written as one, folded: as they stand, sorted, and with connectors."""
    return {fold("".join(words)), fold("".join(sorted(words))), fold("".join(full))}


def acronym_of(x: Form, y: Form) -> str | None:
    """How one form is the acronym of the other (BEML, Bharat Earth Movers Limited), or None."""
    for short, long in ((x, y), (y, x)):
        if (len(short.words) == 1 and fold(short.words[0]) in long.initials
                and not long.skeleton):
            return (f"'{short.words[0].upper()}' is the acronym of "
                    f"'{' '.join(long.full)}'")
    return None


def pair_words(a: Sequence[str], b: Sequence[str], joined_a: set[str],
               joined_b: set[str]) -> list[str] | None:
    """How two folded word lists name one entity, in words; None when they do not."""
    if sorted(a) == sorted(b):
        return ["same words" if list(a) == list(b) else "same words in another order"]
    if len(a) == len(b):
        rest_a, rest_b = [], list(b)
        for word in a:
            if word in rest_b:
                rest_b.remove(word)
            else:
                rest_a.append(word)
        if len(rest_a) == 1 and close(rest_a[0], rest_b[0]):
            return [f"one typo: '{rest_a[0]}' ~ '{rest_b[0]}'"]
    if joined_a & joined_b:
        return ["words joined or split"]
    return None


def same_tokens(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two word lists name one entity (order free, joins, one typo)."""
    fa, fb = [fold(t) for t in a], [fold(t) for t in b]
    return pair_words(fa, fb, joined_forms(a, a), joined_forms(b, b)) is not None


def skeleton_joined(words: Sequence[str]) -> set[str]:
    """Consonant skeletons written as one."""
    return {joined("".join(words)), joined("".join(sorted(words)))}


def _skeletons(words: Iterable[str]) -> list[str]:
    return [s for w in words if (s := skeleton(w))]


def _spelling_notes(a: Sequence[str], b: Sequence[str]) -> list[str]:
    # Words spelt apart that fold alike: a transliteration or spelling variant.
    notes = []
    rest = list(b)
    for word in a:
        if word in rest:
            rest.remove(word)
            continue
        twin = next((w for w in rest if fold(w) == fold(word)), None)
        if twin is not None:
            rest.remove(twin)
            notes.append(f"transliteration variants '{word}' = '{twin}'")
    return notes


def _similarity(a: Sequence[str], b: Sequence[str]) -> float:
    fa, fb = [fold(t) for t in a], [fold(t) for t in b]
    if sorted(fa) == sorted(fb):
        return 1.0
    spaced = fuzz.token_sort_ratio(" ".join(fa), " ".join(fb))
    joined = fuzz.ratio("".join(fa), "".join(fb))
    return round(max(spaced, joined) / 100.0, 2)


def compare_forms(x: Form, y: Form, *, acronyms: bool = True) -> tuple[float, list[str]] | None:
    """The score of two forms of one entity and why they are one; None when they are not.

    `acronyms`: whether a one-word form may be the acronym of the other (not for aliases).
    """
    if x.skeleton or y.skeleton:
        a, b = _skeletons(x.words), _skeletons(y.words)
        if not a or not b:
            return None
        how = pair_words(a, b, skeleton_joined(a) | skeleton_joined(_skeletons(x.full)),
                         skeleton_joined(b) | skeleton_joined(_skeletons(y.full)))
        if how is None:
            return None
        score = 1.0 if sorted(a) == sorted(b) else round(
            fuzz.ratio("".join(a), "".join(b)) / 100.0, 2)
        return score, ["compared by consonants (a script that writes no vowels)", *how]
    fa, fb = [fold(w) for w in x.words], [fold(w) for w in y.words]
    how = pair_words(fa, fb, joined_forms(x.words, x.full), joined_forms(y.words, y.full))
    if how is None:
        acronym = acronym_of(x, y) if acronyms else None
        # An acronym stands for many names: a match to be looked at, never a sure one.
        return None if acronym is None else (ACRONYM_SCORE, [acronym])
    return _similarity(x.words, y.words), [*_spelling_notes(x.words, y.words), *how]


def _form_pairs(a: PreparedName, b: PreparedName) -> list[tuple[Form, Form, bool]]:
    pairs = [(x, y, True) for x in a.variants for y in b.variants]
    # An acronym or bracketed alias stands for its name, but two names sharing one are not one;
    # nor is an alias taken for the acronym of another name.
    pairs += [(x, y, False) for x in a.aliases for y in b.variants]
    pairs += [(x, y, False) for x in a.variants for y in b.aliases]
    return pairs


def _tidy(reasons: list[str]) -> list[str]:
    """Reasons once each, the legal forms set aside on either side said in one."""
    out: list[str] = []
    forms: list[str] = []
    for reason in dict.fromkeys(reasons):
        if reason.startswith(_FORM_NOTE[0]) and reason.endswith(_FORM_NOTE[1]):
            if not forms:
                out.append(_FORM_NOTE[0])  # where the legal forms are said
            forms.append(reason[len(_FORM_NOTE[0]):-len(_FORM_NOTE[1])])
        else:
            out.append(reason)
    if forms:
        said = ", ".join(f"'{f}'" for f in dict.fromkeys(forms))
        plural = "s" if len(set(forms)) > 1 else ""
        out[out.index(_FORM_NOTE[0])] = f"legal form{plural} {said} set aside"
    return out


_FORM_NOTE = ("legal form '", "' set aside")


def explain_match(a: PreparedName, b: PreparedName) -> EntityMatch | None:
    """Why two names are one entity, with the best score among their forms; None if not."""
    best: tuple[float, int, list[str]] | None = None
    for x, y, acronyms in _form_pairs(a, b):
        found = compare_forms(x, y, acronyms=acronyms)
        if found is None:
            continue
        score, how = found
        # What preparing did alike to both names explains nothing about how they differ.
        reasons = _tidy([*(n for n in x.notes if n not in y.notes),
                         *(n for n in y.notes if n not in x.notes), *how])
        if best is None or (score, -len(reasons)) > (best[0], best[1]):
            best = (score, -len(reasons), reasons)
    if best is None:
        return None
    return EntityMatch(a=a.raw, b=b.raw, score=best[0], reasons=tuple(best[2]))


def best_match(names_a: Iterable[PreparedName],
               names_b: Iterable[PreparedName]) -> EntityMatch | None:
    """The best match between any name of one party and any name of another (aliases)."""
    others = list(names_b)
    found = [m for x in names_a for y in others if (m := explain_match(x, y)) is not None]
    return max(found, key=lambda m: m.score, default=None)


def entity_score(a: PreparedName, b: PreparedName) -> float | None:
    """The best similarity among the forms that make two names one entity; None if none do."""
    found = explain_match(a, b)
    return None if found is None else found.score


def compare_names(a: PreparedName, b: PreparedName) -> NameMatch:
    """Whether two prepared names are one entity, and the best similarity among their forms."""
    score = entity_score(a, b)
    if score is not None:
        return NameMatch(same=True, score=score)
    return NameMatch(same=False, score=max(
        (_similarity(x.words, y.words) for x, y, _ in _form_pairs(a, b)), default=0.0))


def same_entity(a: str, b: str) -> NameMatch:
    """Compare two raw names (convenience for tests and one-off checks)."""
    return compare_names(prepare(a), prepare(b))
