"""Sanctioned parties on a case, as given events, when a command, then events."""

from __future__ import annotations

import pytest

from services.assessment.domain import case_commands as rules
from services.assessment.domain.screening import (
    sanctioned_party_hits,
    sanctions_request,
    screened_parties,
)
from shared.contracts.assessment import (
    SanctionedPartyHit,
    SanctionsHitDismissed,
    ScreeningCompleted,
)
from shared.errors import Conflict, Forbidden, Invalid
from tests.assessment.given import app, given, recorded, types
from tests.assessment.test_domain_case import ASSESSOR, MFA, decide, opened

HIT = SanctionedPartyHit(
    party_role="consignee", name="Volzhskiy Zavod Tochnykh Priborov AO", entity_id="910001",
    alias="АО «Волжский завод точных приборов»", score=1.0,
    reasons=["transliterated from Cyrillic; same words"], programme="RUS", list_version="v1")


def screened(*hits: SanctionedPartyHit) -> ScreeningCompleted:
    """The screening's answer: no denial matches, these sanctions hits."""
    return ScreeningCompleted(embargoes=[], denial_matches=[], general_licence_hints=[],
                              registry_version="7", sanctioned_parties=list(hits),
                              sanctions_list_version="v1")


def test_a_sanctions_hit_blocks_approval_naming_the_party_and_the_entity() -> None:
    case = given(opened(), [screened(HIT)]).case
    with pytest.raises(Conflict) as refused:
        decide(case)
    assert refused.value.kind == "sanctioned-party"
    assert refused.value.extra["entity_ids"] == ["910001"]
    assert "consignee 'Volzhskiy Zavod Tochnykh Priborov AO' is listed entity 910001" in str(
        refused.value)
    # A denial is never blocked by a hit.
    assert decide(case, outcome="deny", criteria=[7])[0].outcome == "denied"


def test_a_dismissed_hit_no_longer_blocks_approval() -> None:
    case = given(opened(), [screened(HIT)]).case
    [ruling] = rules.dismiss_sanctions_hit(case, roles=MFA, entity_id="910001",
                                           reason="another plant: other address")
    assert ruling == SanctionsHitDismissed(
        entity_id="910001", reason="another plant: other address", party_roles=["consignee"],
        names=["Volzhskiy Zavod Tochnykh Priborov AO"], list_version="v1")
    after = given(opened(), [screened(HIT)], recorded([ruling], by="mfa-1")).case
    assert after.sanctions_dismissals[0].by == "mfa-1" and not after.open_sanctions_hits()
    assert types(decide(after)) == ["CaseDecided"]
    with pytest.raises(Conflict, match="already dismissed"):
        rules.dismiss_sanctions_hit(after, roles=MFA, entity_id="910001", reason="again")


def test_only_a_hit_of_the_case_is_dismissed_by_its_queue_role_while_open() -> None:
    case = given(opened(), [screened(HIT)]).case
    with pytest.raises(Invalid, match="not among the case's sanctions hits"):
        rules.dismiss_sanctions_hit(case, roles=MFA, entity_id="999", reason="r")
    with pytest.raises(Forbidden):  # an MFA case is ruled on by the MFA
        rules.dismiss_sanctions_hit(case, roles=ASSESSOR, entity_id="910001", reason="r")
    denied = given(opened(), [screened(HIT)], decide(case, outcome="deny", criteria=[7])).case
    with pytest.raises(Conflict, match="decided"):
        rules.dismiss_sanctions_hit(denied, roles=MFA, entity_id="910001", reason="r")


def test_a_screening_recorded_before_sanctions_were_screened_has_no_hits() -> None:
    old = ScreeningCompleted.model_validate({"embargoes": [], "denial_matches": [],
                                             "general_licence_hints": [],
                                             "registry_version": "7"})
    case = given(opened(), [old]).case
    assert case.screening.sanctioned_parties == () and decide(case)[0].outcome == "approved"


def test_every_party_is_screened_and_hits_are_read_back_per_party() -> None:
    application = app(consignee={"name": "Volzhskiy Zavod Tochnykh Priborov AO",
                                 "country": "RU"})
    roles = [role for role, _name, _country in screened_parties(application)]
    assert roles == ["applicant", "consignee", "end_user"]
    query = sanctions_request(application)
    assert query["names"][1] == {"name": "Volzhskiy Zavod Tochnykh Priborov AO",
                                 "country": "RU"}
    assert query["on"] == "2024-05-02"
    matches = [{"entity_id": "910001", "name_matched": "Volzhskiy Zavod Tochnykh Priborov AO",
                "alias": HIT.alias, "score": 1.0, "reasons": HIT.reasons, "programme": "RUS"}]
    assert sanctioned_party_hits(application, matches, "v1") == [HIT]
    broker = app(transaction="brokering", origins=["US"], service_value_eur="1000.00")
    assert screened_parties(broker)[0][0] == "broker"
