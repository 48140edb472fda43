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
