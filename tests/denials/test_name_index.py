"""The name index files every denial where any name of the same entity looks it up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.denials.matching import filing_keys, lookup_keys, prepare, same_entity

PAIRS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "name_pairs.json").read_text(encoding="utf-8"))


def found(asked: str, denied: str) -> bool:
    """Whether a screening for `asked` looks up a key the denial of `denied` is filed under."""
    return bool(lookup_keys(prepare(asked)) & filing_keys(prepare(denied)))


@pytest.mark.parametrize("pair", [p for p in PAIRS if p["match"]],
                         ids=[f"{p['a']}|{p['b']}" for p in PAIRS if p["match"]])
def test_every_labelled_same_entity_is_found_both_ways(pair: dict[str, Any]) -> None:
    assert found(pair["a"], pair["b"]) and found(pair["b"], pair["a"]), pair["why"]


def test_a_name_with_another_distinctive_word_is_not_even_a_candidate() -> None:
    assert not found("Alpha Optics", "Alpha Acoustics Ltd")
    assert not found("Troya Tech Defence", "Levant Logistics")


WORDS = ["alpha", "nordstrom", "avionik", "optics", "defence", "troya", "tech", "sky", "levant",
         "logistics", "mechanical", "rosoboronexport", "kh", "sea", "orion", "zenith"]


def typo(word: str, kind: int, at: int) -> str:
    """One edit of a word: drop, double, swap or replace a letter."""
    if not word:
        return word
    i = at % len(word)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + "x" + word[i:]
    if kind == 2 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + "q" + word[i + 1:]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 30)),
                max_size=3),
       st.booleans(), st.booleans(),
       st.sampled_from(["", " Ltd", " GmbH", " (ACME)", " S.A."]))
def test_whenever_two_names_are_one_entity_the_index_finds_it(
        words: list[str], edits: list[tuple[int, int, int]], shuffle: bool, join: bool,
        form: str) -> None:
    other = list(words)
    for which, kind, at in edits:
        i = which % len(other)
        other[i] = typo(other[i], kind, at)
    if shuffle:
        other.reverse()
    if join and len(other) > 1:
        other = ["".join(other[:2]), *other[2:]]
    a, b = " ".join(words), " ".join(w for w in other if w) + form
    if same_entity(a, b).same:
        assert found(a, b) and found(b, a)


EVALUATION: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "evaluation" / "pairs.json").read_text(encoding="utf-8"))["pairs"]


def test_every_pair_of_the_evaluation_set_the_matcher_joins_the_index_finds() -> None:
    joined = [p for p in EVALUATION if same_entity(p["a"], p["b"]).same]
    assert len(joined) > 300
    lost = [p for p in joined if not (found(p["a"], p["b"]) and found(p["b"], p["a"]))]
    assert lost == []


@pytest.mark.parametrize(("asked", "denied"), [
    ("Bharat Earth Movers Limited", "BEML"),
    ("BEML Limited", "Bharat Earth Movers Ltd"),
    ("IAI - Israel Aerospace Industries", "Israel Aerospace Industries Ltd"),
    ("صنایع هوایی قدس", "Sanaye Havaei Qods"),
    ("中国北方工业集团有限公司", "Zhongguo Beifang Gongye Jituan Youxian Gongsi"),
    ("Рособоронэкспорт", "Rosoboronexport"),
    ("Israel Shipyards", "Israel Ship Yards"),
])
def test_acronyms_other_scripts_and_joined_words_are_found_both_ways(asked: str,
                                                                      denied: str) -> None:
    assert same_entity(asked, denied).same
    assert found(asked, denied) and found(denied, asked)


def test_names_of_the_same_initials_do_not_meet_by_them() -> None:
    # Only a one-word name meets a name by its initials: else every "Alpha Optics" would be a
    # candidate for every "Apex Orion".
    assert not found("Alpha Optics", "Apex Orion")


FORMS = ["GmbH", "Aktiebolag", "Ltd", "S.A.", "OOO", "Kabushiki Kaisha", "Sp. z o.o.",
         "Anonim Şirketi", "Corp.", "(Pty) Ltd", "FZE"]
CONNECTORS = ["und", "and", "&", "ve", "of", "the", "al"]
# Letters as a Cyrillic and an Arabic writer would put them (Arabic without the vowels).
CYRILLIC = {"ph": "ф", "ch": "ч", "sh": "ш", "kh": "х", "ts": "ц", "x": "кс", "y": "ы",
            **dict(zip("abvgdezijklmnoprstufhcw", "абвгдезийклмнопрстуфхкв", strict=True))}
ARABIC = {**{c: "" for c in "aeiou"}, "ph": "ف", "b": "ب", "t": "ت", "d": "د", "r": "ر", "z": "ز",
          "s": "س", "f": "ف", "q": "ق", "k": "ک", "l": "ل", "m": "م", "n": "ن", "h": "ه",
          "w": "و", "y": "ي", "g": "گ", "p": "پ", "v": "و", "x": "کس", "j": "ج", "c": "ک"}


def write_in(letters: dict[str, str], text: str) -> str:
    """Text spelt letter by letter (digraphs first) in another script."""
    out, i, low = [], 0, text.lower()
    while i < len(low):
        pair = low[i:i + 2]
        if pair in letters:
            out.append(letters[pair])
            i += 2
        else:
            out.append(letters.get(low[i], low[i]))
            i += 1
    return "".join(out)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 30)),
                max_size=2),
       st.lists(st.tuples(st.sampled_from(FORMS + CONNECTORS), st.integers(0, 5)), max_size=3),
       st.sampled_from(["", "acronym", "dashed", "brackets"]),
       st.sampled_from(["latin", "cyrillic", "arabic"]),
       st.booleans(), st.booleans())
def test_legal_forms_connectors_acronyms_and_scripts_never_hide_a_same_entity(
        words: list[str], edits: list[tuple[int, int, int]], inserts: list[tuple[str, int]],
        acronym: str, script: str, shuffle: bool, join: bool) -> None:
    other = list(words)
    for which, kind, at in edits:
        i = which % len(other)
        other[i] = typo(other[i], kind, at)
    if shuffle:
        other.reverse()
    if join and len(other) > 1:
        other = ["".join(other[:2]), *other[2:]]
    for word, at in inserts:
        other.insert(at % (len(other) + 1), word)
    initials = "".join(w[0] for w in words).upper()
    b = " ".join(w for w in other if w)
    if acronym == "acronym":
        b = f"{initials} {b}"
    elif acronym == "dashed":
        b = f"{initials} - {b}"
    elif acronym == "brackets":
        b = f"{b} ({initials})"
    if script == "cyrillic":
        b = write_in(CYRILLIC, b)
    elif script == "arabic":
        b = write_in(ARABIC, b)
    a = " ".join(words)
    if same_entity(a, b).same:
        assert found(a, b) and found(b, a), (a, b)
