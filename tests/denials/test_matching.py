"""The entity resolution and rating relations behind "essentially identical"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.denials.matching import PreparedName, prepare, same_entity
from services.denials.ratings import normalise_rating, rating_key, rating_relation

PAIRS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "name_pairs.json").read_text(encoding="utf-8"))


def test_the_labelled_set_is_big_enough_and_balanced() -> None:
    assert len(PAIRS) >= 40
    assert sum(p["match"] for p in PAIRS) >= 15
    assert sum(not p["match"] for p in PAIRS) >= 15


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p['a']}|{p['b']}" for p in PAIRS])
def test_labelled_name_pair_is_judged_as_labelled(pair: dict[str, Any]) -> None:
    verdict = same_entity(pair["a"], pair["b"])
    assert verdict.same is pair["match"], pair["why"]
    reverse = same_entity(pair["b"], pair["a"])
    assert reverse.same is pair["match"], "the verdict must not depend on the order"


def test_must_match_pairs_score_high() -> None:
    for pair in PAIRS:
        if pair["match"]:
            assert same_entity(pair["a"], pair["b"]).score >= 0.75, pair


def test_prepared_names_survive_their_cached_form() -> None:
    name = prepare("Nordström Avionik GmbH (NAG)")
    again = PreparedName.from_json(json.loads(json.dumps(name.to_json())))
    assert again == name


def test_a_cached_form_of_an_older_normaliser_is_prepared_again() -> None:
    stale = {"v": -1, "raw": "Troya Tech Defence Ltd", "variants": [["x"]], "aliases": []}
    assert PreparedName.from_json(stale) == prepare("Troya Tech Defence Ltd")


@pytest.mark.parametrize(("raw", "norm"), [
    ("ml 10.c", "ML10c"), ("ML15", "ML15"), ("5a002.A", "5A002.a"), ("iii.2.1", "III.2.1"),
    (None, None), ("  ", None),
])
def test_ratings_are_normalised_to_one_spelling(raw: str | None, norm: str | None) -> None:
    assert normalise_rating(raw) == norm


@pytest.mark.parametrize(("asked", "denied", "related", "exact"), [
    ("ML15", "ML15", True, True),
    ("ML10c", "ML10a", True, False),
    ("ML10", "ML1", False, False),
    ("5A002.a", "5A002", True, False),
    ("5A002", "5A003", False, False),
    ("III.2.1", "III.2.4", True, False),
    ("III.2.1", "III.3.1", False, False),
    (None, None, True, True),
    (None, "ML1", False, False),
])
def test_ratings_relate_within_a_category_or_entry(asked: str | None, denied: str | None,
                                                   related: bool, exact: bool) -> None:
    relation = rating_relation(asked, denied)
    assert (relation is not None) is related
    if relation is not None:
        assert relation[1] is exact


def test_rating_keys_are_the_families() -> None:
    assert rating_key("ML1d5") == "ML1"
    assert rating_key("3A001.b.1.a.4") == "3A001"
    assert rating_key("IV.1") == "IV.1"


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80)


@settings(max_examples=80, deadline=None)
@given(names)
def test_any_text_prepares_without_error_and_matches_itself(name: str) -> None:
    prepared = prepare(name)
    if prepared.variants:
        assert same_entity(name, name).same


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Alpha", "Optics", "Nordic", "Avionik", "Delta", "Systems",
                                 "Marine", "Orion"]), min_size=2, max_size=4, unique=True),
       st.sampled_from(["Ltd", "GmbH", "S.A.", "B.V.", "LLC", "Limited", ""]))
def test_case_legal_form_and_word_order_never_make_another_entity(words: list[str],
                                                                   form: str) -> None:
    a = " ".join(words)
    b = " ".join(reversed(words)).upper() + (" " + form if form else "")
    assert same_entity(a, b).same
