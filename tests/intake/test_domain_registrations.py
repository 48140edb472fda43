"""Registrations for general licences, given events, when a command, then events."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from services.intake.domain.registrations import (
    NEW,
    EndRegistration,
    RegisterExporter,
    Registration,
    decide_end,
    decide_register,
    fold,
    registered,
)
from shared.contracts.intake import GeneralLicenceRegistered, GeneralLicenceRegistrationEnded
from shared.contracts.types import Company
from shared.errors import Conflict, Invalid, NotFound
from shared.reference import load_reference

REF = load_reference()
TODAY = dt.date(2024, 6, 1)
FOKKER = Company(name="Fokker Services", eori="NL987654321")


def register(day: dt.date = dt.date(2024, 1, 15), rid: str = "g2",
             exporter: Company = FOKKER) -> RegisterExporter:
    return RegisterExporter(registration_id=rid, code="NL003", exporter=exporter,
                            registered_on=day)


def registered_since(day: dt.date, ended_on: dt.date | None = None) -> Registration:
    """Registration g1 from `day`, ended on `ended_on` when given."""
    registration = fold(decide_register(NEW, register(day, rid="g1"), REF, others=[],
                                        today=TODAY))
    return replace(registration, ended_on=ended_on)


def test_an_exporter_registers_for_a_general_licence() -> None:
    events = decide_register(NEW, register(), REF, others=[], today=TODAY)
    assert events == [GeneralLicenceRegistered(id="g2", code="NL003", exporter=FOKKER,
                                               registered_on=dt.date(2024, 1, 15))]
    registration = fold(events)
    assert registration.covers(dt.date(2024, 1, 15)) and not registration.covers(
        dt.date(2024, 1, 14))


def test_a_second_registration_while_one_runs_is_a_conflict_naming_the_first() -> None:
    first = registered_since(dt.date(2024, 1, 1))
    with pytest.raises(Conflict) as refused:
        decide_register(NEW, register(), REF, others=[first], today=TODAY)
    assert refused.value.kind == "already-registered"
    assert refused.value.extra == {"registration_id": "g1"}


def test_after_an_end_the_exporter_may_register_again() -> None:
    ended = registered_since(dt.date(2024, 1, 1), ended_on=dt.date(2024, 3, 1))
    assert decide_register(NEW, register(dt.date(2024, 3, 1)), REF, others=[ended],
                           today=TODAY)
    with pytest.raises(Conflict):
        decide_register(NEW, register(dt.date(2024, 2, 1)), REF, others=[ended], today=TODAY)


def test_another_exporter_s_registration_is_no_obstacle() -> None:
    other = registered_since(dt.date(2024, 1, 1))
    damen = Company(name="Damen Naval", eori="NL111111111")
    assert decide_register(NEW, register(exporter=damen), REF, others=[], today=TODAY)
    assert other.exporter == FOKKER


@pytest.mark.parametrize(("cmd", "loc"), [
    (register(dt.date(2024, 6, 2)), ("body", "registered_on")),
    (register(exporter=Company(name="x", eori="??")), ("body", "exporter", "eori")),
])
def test_a_registration_ahead_of_today_or_without_an_eori_is_invalid(
    cmd: RegisterExporter, loc: tuple[str, ...],
) -> None:
    with pytest.raises(Invalid) as refused:
        decide_register(NEW, cmd, REF, others=[], today=TODAY)
    assert [e.loc for e in refused.value.errors] == [loc]


def test_a_registration_for_an_unknown_general_licence_is_not_found() -> None:
    cmd = RegisterExporter(registration_id="g3", code="NL999", exporter=FOKKER,
                           registered_on=TODAY)
    with pytest.raises(NotFound):
        decide_register(NEW, cmd, REF, others=[], today=TODAY)


def test_a_registration_ends_once_and_a_repeat_records_nothing() -> None:
    running = registered_since(dt.date(2024, 1, 1))
    end = EndRegistration("g1", dt.date(2024, 9, 1), "after an investigation")
    events = decide_end(running, end)
    assert events == [GeneralLicenceRegistrationEnded(
        id="g1", code="NL003", exporter_eori="NL987654321", ended_on=dt.date(2024, 9, 1),
        reason="after an investigation")]
    ended = fold(events, running)
    assert decide_end(ended, end) == []
    with pytest.raises(Conflict) as refused:
        decide_end(ended, EndRegistration("g1", dt.date(2024, 10, 1), "again"))
    assert refused.value.kind == "registration-ended"
    assert registered([ended], dt.date(2024, 8, 31))
    assert not registered([ended], dt.date(2024, 9, 1))


def test_an_end_before_the_start_is_invalid_and_an_unknown_one_not_found() -> None:
    running = registered_since(dt.date(2024, 1, 1))
    with pytest.raises(Invalid):
        decide_end(running, EndRegistration("g1", dt.date(2023, 12, 31), "typo"))
    with pytest.raises(NotFound):
        decide_end(NEW, EndRegistration("nope", dt.date(2024, 1, 1), "x"))
