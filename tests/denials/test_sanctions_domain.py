"""Sanctioned parties, pure: reading the FSF export, loading versions, matching names."""

from __future__ import annotations

import datetime as dt

import pytest

from services.denials.domain.sanctions import (
    Asked,
    Listed,
    LoadedLists,
    evolve,
    load,
    match_entity,
    screen,
)
from services.denials.domain.sanctions_list import parse_list
from services.denials.matching import prepare
from shared.errors import Conflict, Invalid
from tests.denials.sanctions_sample import later_version, sample


def listed(entity_id: str, *names: str, kind: str = "enterprise",
           countries: tuple[str, ...] = (), designated: dt.date | None = None) -> Listed:
    return Listed(entity_id=entity_id, subject_type=kind,  # type: ignore[arg-type]
                  names=tuple(prepare(n) for n in names), programme="RUS",
                  countries=countries, designated_on=designated)


def asked(name: str, country: str | None = None) -> Asked:
    return Asked(prepare(name), country)


def test_the_sample_reads_as_the_published_export() -> None:
    parsed = parse_list(sample())
    assert parsed.version == "2026-11-20T17:52:44.000+01:00"
    assert parsed.generated_at == dt.datetime(2026, 11, 20, 16, 52, 44, tzinfo=dt.UTC)
    assert len(parsed.entities) == 22 and parsed.name_count == 54
    person = next(e for e in parsed.entities if e.entity_id == "910011")
    assert person.subject_type == "person" and person.countries == ("RU",)
    assert [n.name for n in person.names] == ["Ivan Sergeyevich PETROVSKY",
                                              "Иван Сергеевич ПЕТРОВСКИЙ"]
    assert person.programme == "RUS" and person.designated_on == dt.date(2022, 3, 15)
    assert person.publication_urls[0].startswith("https://eur-lex.europa.eu/")
    scripts = {n.language for e in parsed.entities for n in e.names}
    assert {"RU", "FA", "AR", "ZH", "KO", "BE"} <= scripts


def test_a_name_alias_without_a_whole_name_is_its_parts_joined() -> None:
    xml = (b'<export generationDate="2026-01-01T00:00:00"><sanctionEntity logicalId="1">'
           b'<subjectType code="person"/><nameAlias firstName="Ivan" lastName="Petrov" '
           b'wholeName=""/></sanctionEntity></export>')
    [entity] = parse_list(xml).entities
    assert entity.names[0].name == "Ivan Petrov"


@pytest.mark.parametrize(("body", "says"), [
    (b"not xml", "not well-formed"),
    (b"<list/>", "not <export>"),
    (b"<export/>", "generationDate"),
    (b'<export generationDate="yesterday"/>', "not a date"),
    (b'<export generationDate="2026-01-01T00:00:00"/>', "no <sanctionEntity>"),
])
def test_a_file_that_is_not_the_export_is_refused_naming_why(body: bytes, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        parse_list(body)


def test_a_new_version_is_loaded_the_same_file_again_records_nothing() -> None:
    first = load(LoadedLists(), parse_list(sample()))
    assert [e.entities for e in first] == [22]  # type: ignore[attr-defined]
    state = evolve(LoadedLists(), first[0])
    assert load(state, parse_list(sample())) == []
    newer = load(state, parse_list(later_version(without=("910002",))))
    assert newer[0].entities == 21  # type: ignore[attr-defined]


def test_a_file_older_than_the_one_screened_is_refused() -> None:
    state = evolve(LoadedLists(), load(LoadedLists(), parse_list(sample()))[0])
    older = parse_list(later_version(generated="2026-10-01T00:00:00.000+01:00"))
    with pytest.raises(Conflict, match="load a newer export"):
        load(state, older)


def test_a_consignee_matches_a_listed_cyrillic_alias() -> None:
    entity = listed("910001", "VOLGA PRECISION INSTRUMENTS PLANT JSC",
                    "АО «Волжский завод точных приборов»", countries=("RU",))
    found = match_entity(asked("Volzhskiy Zavod Tochnykh Priborov AO", "RU"), entity)
    assert found is not None and found.alias == "АО «Волжский завод точных приборов»"
    assert found.score == 1.0 and "transliterated from Cyrillic" in found.reasons[0]
    assert "listed with country RU" in found.reasons and found.programme == "RUS"


def test_legal_forms_and_abbreviations_are_read_as_for_denials() -> None:
    entity = listed("910022", "Anatolia Aero Parts Sanayi ve Ticaret Anonim Şirketi")
    assert match_entity(asked("Anatolia Aero Parts San. ve Tic. A.Ş."), entity) is not None


def test_a_different_distinctive_word_is_another_entity() -> None:
    entity = listed("910002", "TECHNOSTROYIMPORT LLC")
    assert match_entity(asked("Technostroyexport LLC"), entity) is None


def test_a_person_is_matched_on_the_whole_name_never_by_initials() -> None:
    person = listed("910011", "Ivan Sergeyevich PETROVSKY", "Иван Сергеевич ПЕТРОВСКИЙ",
                    kind="person")
    found = match_entity(asked("Ivan Sergeevich Petrovskiy"), person)
    assert found is not None and "a listed person, matched on the whole name" in found.reasons
    assert match_entity(asked("ISP"), person) is None
    assert match_entity(asked("Ivan Petrovsky"), person) is None
    # An enterprise may be known by its acronym: a hit to look at, scored below a sure one.
    company = listed("910005", "Shahid Karimi Industrial Group")
    by_acronym = match_entity(asked("SKIG"), company)
    assert by_acronym is not None and by_acronym.score < 0.9


def test_an_entity_designated_after_the_day_screened_is_no_hit() -> None:
    entity = listed("910008", "Shenzhen Jinhai Navigation Technology Co., Ltd.",
                    designated=dt.date(2024, 6, 24))
    name = asked("Shenzhen Jinhai Navigation Technology Co Ltd")
    assert match_entity(name, entity, on=dt.date(2024, 6, 1)) is None
    assert match_entity(name, entity, on=dt.date(2024, 7, 1)) is not None


def test_screen_lists_each_name_and_entity_once_best_first() -> None:
    entities = [listed("1", "Baltic Avionics Supply Ltd", "Baltic Avionics Supply Limited"),
                listed("2", "Orion Dual Technologies Limited")]
    found = screen([asked("Baltic Avionics Supply Limited"), asked("Orion Dual Technology Ltd"),
                    asked("Nordic Optics AB")], entities)
    assert [(m.entity_id, m.name_matched) for m in found] == [
        ("1", "Baltic Avionics Supply Limited"), ("2", "Orion Dual Technology Ltd")]
    assert found[0].score >= found[1].score


def test_only_the_pairs_the_name_index_offers_are_compared() -> None:
    entity = listed("1", "Baltic Avionics Supply Ltd", "Балтик Авионикс Сапплай")
    name = [asked("Baltic Avionics Supply Limited")]
    assert [m.alias for m in screen(name, [entity], offered={(0, "1"): {0}})] == [
        "Baltic Avionics Supply Ltd"]
    assert screen(name, [entity], offered={(0, "1"): {1}}) == []
    assert screen(name, [entity], offered={}) == []
    assert len(screen(name, [entity], offered=None)) == 1
