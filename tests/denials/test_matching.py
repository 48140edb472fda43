"""The entity resolution and rating relations behind "essentially identical"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.denials.matching import (
    MATCHER_VERSION,
    NAME_INDEX_VERSION,
    TABLES_DIGEST,
    PreparedName,
    best_match,
    explain_match,
    prepare,
    same_entity,
    tables_digest,
)
from services.denials.matching.tables import NAMES_DIR, TABLE_FILES, tables
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
    stale = {"v": 1, "raw": "Troya Tech Defence Ltd", "variants": [["x"]], "aliases": []}
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


# -- every kind of issue 15, each with the words its explanation must give -----------------

KINDS = [
    # legal forms written out, in any language or script, anywhere in the name
    ("SAAB DYNAMICS AKTIEBOLAG", "Saab Dynamics AB", "legal forms 'aktiebolag', 'ab'"),
    ("Patria Aviation Osakeyhtiö", "Patria Aviation Oy", "legal forms 'osakeyhtio', 'oy'"),
    ("Steyr Arms Gesellschaft mit beschränkter Haftung", "Steyr Arms GmbH", "set aside"),
    ("Glock Ges.m.b.H.", "Glock", "legal form 'ges mbh'"),
    ("Nexter Systems Société Anonyme", "Nexter Systems S.A.", "legal form"),
    ("Indra Sistemas Sociedad Anónima", "Indra Sistemas SA", "legal form"),
    ("Leonardo Società per Azioni", "Leonardo S.p.A.", "legal form"),
    ("WB Electronics Spółka z ograniczoną odpowiedzialnością", "WB Electronics Sp. z o.o.",
     "legal form"),
    ("Sarsilmaz Silah Sanayi Anonim Şirketi", "Sarsilmaz Silah Sanayi A.Ş.", "legal form"),
    ("Общество с ограниченной ответственностью «Технопромэкспорт»", "OOO Tekhnopromeksport",
     "legal form"),
    ("Denel Land Systems Proprietary Limited", "Denel Land Systems (Pty) Ltd", "legal form"),
    ("Kawasaki Heavy Industries Kabushiki Kaisha", "Kawasaki Heavy Industries Ltd.",
     "legal form"),
    ("Gulf Falcon Trading Free Zone Establishment", "Gulf Falcon Trading FZE", "legal form"),
    ("Emirates Defence Technology F.Z.CO.", "Emirates Defence Technology", "legal form"),
    ("Leonardo S.p.A. Divisione Elettronica", "Leonardo Divisione Elettronica", "legal form"),
    # abbreviations anywhere
    ("Northrop Grumman Corp. Mission Systems", "Northrop Grumman Corporation Mission Systems",
     "legal form"),
    ("Hyundai Rotem Co., Ltd.", "Hyundai Rotem Company", "legal form"),
    ("Al Tariq Trading Est.", "Al Tariq Trading Establishment", "'est' read as"),
    ("Global COMM GRP Ltd", "Global Communication Group", "'comm' read as 'communication'"),
    ("Aselsan Elektronik San. ve Tic. A.Ş.", "Aselsan Elektronik Sanayi ve Ticaret",
     "'san' read as 'sanayi'"),
    # connectors and stop words in several languages
    ("Rheinmetall Waffe Munition", "Rheinmetall Waffe und Munition", "connectors"),
    ("Heckler & Koch", "Heckler und Koch", "same words"),
    ("Otokar Otomotiv ve Savunma Sanayi", "Otokar Otomotiv Savunma Sanayi", "'ve'"),
    ("Sociedad Española de Armas y Municiones", "Sociedad Espanola de Armas Municiones",
     "'y'"),
    # an acronym before the name, with or without a dash, or for the name
    ("BDL Bharat Dynamics Ltd", "Bharat Dynamics Limited (BDL)", "acronym 'BDL'"),
    ("IAI - Israel Aerospace Industries", "Israel Aerospace Industries Ltd", "acronym 'IAI'"),
    ("Bharat Earth Movers Limited", "BEML Limited", "'BEML' is the acronym"),
    # transliteration variants
    ("Qods Aviation Industries", "Ghods Aviation Industries", "'qods' = 'ghods'"),
    ("Shahid Bakeri Industrial Group", "Shahid Bagheri Industrial Group", "'bakeri'"),
    ("Uralskiy Optiko-Mekhanicheskiy Zavod", "Uralsky Optiko-Mekhanichesky Zavod",
     "transliteration variants"),
    ("NPO Mashinostroyeniya", "NPO Mashinostroenia", "transliteration variants"),
    ("El Nasr Company", "Al-Nasr Company", "'el'"),
    ("Technopromexport", "Tekhnopromeksport", "transliteration variants"),
    # joined or split words
    ("Abdul Latif Trading", "Abdullatif Trading", "words joined or split"),
    ("Mazagon Dock Ship Builders", "Mazagon Dock Shipbuilders", "words joined or split"),
    ("Rheinmetall System Technik", "Rheinmetall Systemtechnik", "words joined or split"),
    # one typo of one word, word order
    ("Orion Sistems Integration", "Orion Systems Integration", "one typo"),
    ("Kalashnikov Concern", "Concern Kalashnikov", "another order"),
    # names in other scripts, where transliteration suffices
    ("Рособоронэкспорт", "Rosoboronexport", "transliterated from Cyrillic"),
    ("中国北方工业集团有限公司", "Zhongguo Beifang Gongye Jituan Youxian Gongsi",
     "transliterated from Chinese characters"),
    ("Ελληνικά Αμυντικά Συστήματα", "Ellinika Amyntika Systimata", "transliterated from Greek"),
    ("صنایع هوایی قدس", "Sanaye Havaei Qods", "compared by consonants"),
    ("התעשייה האווירית לישראל", "HaTaasiya HaAvirit LeYisrael", "compared by consonants"),
    ("भारत डायनामिक्स लिमिटेड", "Bharat Dynamics Limited", "transliterated from Devanagari"),
]


@pytest.mark.parametrize(("a", "b", "why"), KINDS, ids=[f"{a}|{b}" for a, b, _ in KINDS])
def test_each_kind_is_matched_both_ways_and_says_why(a: str, b: str, why: str) -> None:
    found = explain_match(prepare(a), prepare(b))
    assert found is not None
    assert why in found.explain(), found.explain()
    assert found.score >= 0.75
    assert explain_match(prepare(b), prepare(a)) is not None


@pytest.mark.parametrize(("a", "b"), [
    ("Technopromexport", "Technopromimport"),
    ("Tekhnopromeksport", "ТЕХНОПРОМИМПОРТ"),
    ("Myanmar Economic Holdings", "Myanmar Economic Corporation"),
    ("Myanmar Economic Holdings Public Company Limited", "Myanmar Economic Corporation Ltd"),
    ("Alpha Optics", "Alpha Acoustics"),
    ("China North Industries Corporation", "China North Industries Group Corporation"),
    ("Israel Aerospace Industries (IAI)", "Iran Aircraft Industries (IAI)"),
    ("Mesko SA", "Mesco SA"),
    ("سازمان صنایع دفاع", "سازمان صنایع هوافضا"),
    ("中国航天科工集团有限公司", "中国航天科技集团有限公司"),
])
def test_a_different_distinctive_word_or_morpheme_is_another_entity(a: str, b: str) -> None:
    assert not same_entity(a, b).same
    assert not same_entity(b, a).same


def test_a_party_of_several_names_matches_by_any_of_them() -> None:
    party = [prepare("China North Industries Group Corporation Limited"),
             prepare("中国北方工业集团有限公司")]
    asked = [prepare("Zhongguo Beifang Gongye Jituan Youxian Gongsi")]
    found = best_match(asked, party)
    assert found is not None and found.b == "中国北方工业集团有限公司"
    assert best_match(asked, [prepare("Rosoboronexport")]) is None


def test_a_name_in_cyrillic_is_an_alias_of_its_transliteration() -> None:
    found = explain_match(prepare("Рособоронэкспорт"), prepare("Rosoboronexport JSC"))
    assert found is not None and found.score == 1.0
    assert found.reasons[0] == "transliterated from Cyrillic"


def test_the_matcher_version_names_the_index_and_the_tables() -> None:
    assert NAME_INDEX_VERSION in MATCHER_VERSION
    assert TABLES_DIGEST[:12] in MATCHER_VERSION


def test_the_tables_are_those_the_matcher_version_was_given() -> None:
    # Edit a table and this fails: bump NORMALISER_VERSION (names are prepared again and
    # refiled by a migration, as 0003 does) and record the new digest.
    assert tables_digest() == TABLES_DIGEST


@pytest.mark.parametrize("name", TABLE_FILES)
def test_every_table_names_its_sources(name: str) -> None:
    data = json.loads((NAMES_DIR / name).read_text(encoding="utf-8"))
    groups = [data] if "sources" in data else list(data["languages"].values())
    groups += [data["imported"]] if "imported" in data else []
    assert groups and all(g["sources"] for g in groups)


def test_no_abbreviation_is_read_two_ways() -> None:
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}
    for slot in tables().phrases.values():
        for phrase in slot:
            if phrase.kind == "abbreviation":
                assert seen.setdefault(phrase.words, phrase.to) == phrase.to, phrase


def test_a_legal_form_set_off_by_a_dash_is_no_acronym() -> None:
    assert same_entity("AO - Alpha Optics", "Alpha Optics").same
