"""Obligations around a licence (issue 12), as given events / when a command / then events:
catch-all requirements, goods sanctions, investigations, confidential licences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from services.assessment.domain import case_commands as rules
from services.assessment.domain import catch_all, investigation
from services.assessment.domain import licence as licence_rules
from services.assessment.domain.catch_all import Requirement
from services.assessment.domain.investigation import Investigation
from services.assessment.domain.licence import FastTrack
from services.assessment.domain.screening import screen_locally
from shared.contracts.assessment import LicenceIssued, ScreeningCompleted
from shared.contracts.types import Company
from shared.errors import Conflict, Invalid, NotFound
from shared.reference import load_reference
from shared.reference.grounds import load_refusal_grounds
from shared.reference.sanctions import load_goods_sanctions
from tests.assessment.given import app, given

NOW = dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
TODAY = dt.date(2024, 6, 3)
ACME = Company(name="Acme Optics B.V.", eori="NL999999999")
DONE = ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                          registry_version="7")
TO_IRAN = {"regime": "dual_use", "applicant": {"name": "Acme Optics B.V.", "eori": "NL999999999"},
           "destinations": ["IR"], "catch_all": False, "received_at": "2024-05-02T09:00:00+00:00",
           "end_user": {"name": "Sharif Trading", "country": "IR", "type": "company"},
           "goods": [{"description": "high-speed cameras", "rating": None, "quantity": 2,
                      "value_eur": "30000.00"}]}


def imposed(**changes: Any) -> Requirement:
    """A requirement on Acme for Iran (WMD), imposed on 2 April 2024."""
    command: dict[str, Any] = {"regime": "dual_use", "exporter": ACME,
                               "goods_description": "high-speed cameras", "destination": "IR",
                               "end_user_name": None, "ground": "wmd", "note": None,
                               "imposed_on": dt.date(2024, 4, 2), "today": TODAY, **changes}
    [event] = catch_all.impose("ca-1", **command)
    return catch_all.evolve(Requirement(), event)


def approve(case: Any) -> Any:
    """The MFA's approval of a case, now."""
    return rules.decide(case, roles=("mfa",), outcome="approve", criteria=[], note=None,
                        decided_at=NOW, now=NOW, consultations=[],
                        catalogue=load_refusal_grounds())


def test_a_catch_all_requirement_makes_the_next_application_a_catch_all_case() -> None:
    requirement = imposed()
    application = app(**TO_IRAN)
    assert catch_all.covering([("ca-1", requirement)], application) == ["ca-1"]
    events = [*rules.open_case(given().case, application, load_reference(), None,
                               requirements=["ca-1"]), DONE]
    case = given(events).case
    assert case.catch_all and case.catch_all_requirements == ("ca-1",)
    assert case.queue == "mfa" and case.routing is not None
    assert case.routing.rule == "catch_all.requirement"
    [decided] = approve(case)
    assert decided.catch_all is True
    [issued] = licence_rules.issue(case, decided, number="NL-DU-2024-000001", years=2,
                                   ref=load_reference(),
                                   fast_track=FastTrack(load_reference().fast_track_threshold_eur,
                                                        14))
    assert isinstance(issued, LicenceIssued) and issued.catch_all is True


def test_a_requirement_covers_only_its_exporter_destination_and_days() -> None:
    requirement = imposed()
    assert not catch_all.covers(requirement, app(**{**TO_IRAN, "destinations": ["PK"],
                                                    "end_user": {"name": "X", "country": "PK"}}))
    other = {**TO_IRAN, "applicant": {"name": "Other B.V.", "eori": "NL1"}}
    assert not catch_all.covers(requirement, app(**other))
    early = {**TO_IRAN, "received_at": "2024-04-01T09:00:00+00:00"}
    assert not catch_all.covers(requirement, app(**early))
    [lifted] = catch_all.lift(requirement, "ca-1", lifted_on=dt.date(2024, 5, 1), reason="ok")
    after = catch_all.evolve(requirement, lifted)
    assert not catch_all.covers(after, app(**TO_IRAN))
    with pytest.raises(Conflict):
        catch_all.lift(after, "ca-1", lifted_on=dt.date(2024, 5, 2), reason="again")
    with pytest.raises(Invalid):
        catch_all.lift(requirement, "ca-1", lifted_on=dt.date(2024, 1, 1), reason="early")
    with pytest.raises(NotFound):
        catch_all.lift(Requirement(), "ca-9", lifted_on=TODAY, reason="none")
    by_end_user = imposed(destination=None, end_user_name="sharif  TRADING")
    assert catch_all.covers(by_end_user, app(**TO_IRAN))
    with pytest.raises(Invalid):
        imposed(destination=None, end_user_name=None)


def test_dual_use_goods_to_russia_hit_the_sanctions_and_cannot_be_approved() -> None:
    to_russia = app(regime="dual_use", destinations=["RU"],
                    end_user={"name": "Rostec", "country": "RU", "type": "company"},
                    goods=[{"description": "frequency changers", "rating": "3A225",
                            "quantity": 5, "value_eur": "40000.00"}])
    local = screen_locally(to_russia, load_reference(), load_goods_sanctions())
    [hit] = local.sanctions
    assert (hit.destination, hit.regulation, hit.annex, hit.item) == (
        "RU", "Council Regulation (EU) No 833/2014", "art. 2", "3A225")
    assert hit.version == load_goods_sanctions().version
    opened = rules.open_case(given().case, to_russia, load_reference(), None,
                             sanctions=load_goods_sanctions())
    [done] = rules.complete_screening(given(opened).case, denial_matches=[],
                                      registry_version="7", reference_version="r")
    case = given(opened, [done]).case
    assert case.screening.sanctions == (hit,)
    with pytest.raises(Conflict) as refused:
        approve(case)
    assert refused.value.kind == "sanctions"
    assert "Council Regulation (EU) No 833/2014" in refused.value.detail
    assert refused.value.extra["regulations"] == ["Council Regulation (EU) No 833/2014"]
    [denied] = rules.decide(case, roles=("mfa",), outcome="deny", criteria=[], note=None,
                            decided_at=NOW, now=NOW, consultations=[],
                            grounds=["art15-sanctions"], catalogue=load_refusal_grounds())
    assert denied.grounds == ["art15-sanctions"]


def test_military_goods_and_other_destinations_are_not_sanctioned_here() -> None:
    sanctions = load_goods_sanctions()
    assert screen_locally(app(destinations=["RU"]), load_reference(), sanctions).sanctions == []
    assert screen_locally(app(regime="dual_use", destinations=["IR"], goods=[
        {"description": "uav engine", "rating": "9A012.a", "quantity": 1,
         "value_eur": "10.00"}]), load_reference(), sanctions).sanctions[0].item == "9A012"
    assert sanctions.bans("RU", "3A991", dt.date(2024, 6, 1)) == []  # national x9xx entries


def test_a_flag_is_referred_for_investigation_and_its_outcome_recorded_once() -> None:
    [referred] = investigation.refer("inv-1", subject_kind="realisation", subject_id="r-1",
                                     reason="transit to TR under NL008",
                                     referred_on=dt.date(2024, 7, 2), authority="FIOD",
                                     today=TODAY.replace(month=7, day=10))
    case = investigation.evolve(Investigation(), referred)
    assert case.status == "open" and case.age_days(dt.date(2024, 7, 12)) == 10
    [concluded] = investigation.conclude(case, "inv-1", outcome="warning", note=None,
                                         concluded_on=dt.date(2024, 11, 20),
                                         today=dt.date(2024, 12, 1))
    closed = investigation.evolve(case, concluded)
    assert closed.status == "closed" and closed.age_days(dt.date(2024, 12, 1)) is None
    with pytest.raises(Conflict):
        investigation.conclude(closed, "inv-1", outcome="fine", note=None,
                               concluded_on=dt.date(2024, 11, 21), today=dt.date(2024, 12, 1))
    with pytest.raises(Invalid):
        investigation.conclude(case, "inv-1", outcome="fine", note=None,
                               concluded_on=dt.date(2024, 7, 1), today=dt.date(2024, 12, 1))
    with pytest.raises(NotFound):
        investigation.conclude(Investigation(), "inv-9", outcome="fine", note=None,
                               concluded_on=TODAY, today=TODAY)


def test_a_licence_is_withheld_from_public_reports_until_a_day_to_come() -> None:
    events = [*rules.open_case(given().case, app(), load_reference(), None), DONE]
    case = given(events).case
    [decided] = approve(case)
    issued = licence_rules.issue(case, decided, number="N", years=2, ref=load_reference(),
                                 fast_track=FastTrack(load_reference().fast_track_threshold_eur,
                                                      14))
    licence = given(events, [decided, *issued]).licence
    [marked] = licence_rules.mark_confidential(licence, "N", release_on=dt.date(2025, 6, 1),
                                               reason="security of the delivery", today=TODAY)
    after = given(events, [decided, *issued, marked]).licence
    assert after.confidential is not None and after.confidential.release_on.year == 2025
    with pytest.raises(Invalid):
        licence_rules.mark_confidential(licence, "N", release_on=TODAY, reason="r", today=TODAY)
    with pytest.raises(NotFound):
        licence_rules.mark_confidential(given(events).licence, "N",
                                        release_on=dt.date(2025, 1, 1), reason="r", today=TODAY)
