"""Screening: what the reference data says about an application (embargoes, Annex II goods,
general licences), and the queries and merged answer of the denials registry's match API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.assessment.domain.general_licences import general_licence_hints
from services.assessment.domain.routing import (
    destination_countries,
    named_destinations,
    received_on,
)
from shared.contracts.assessment import (
    CaseApplication,
    DenialMatch,
    EmbargoHit,
    GeneralLicenceHint,
    Prohibition,
    ProposedFinding,
    SanctionedPartyHit,
    SanctionsHit,
)
from shared.reference import ReferenceData
from shared.reference.sanctions import GoodsSanctions

MUSEUM = re.compile(r"\bmuse(um|a|ums)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LocalScreening:
    """What screening finds without the denials registry."""

    embargoes: list[EmbargoHit] = field(default_factory=list)
    proposed_findings: list[ProposedFinding] = field(default_factory=list)
    prohibited: list[Prohibition] = field(default_factory=list)
    general_licence_hints: list[GeneralLicenceHint] = field(default_factory=list)
    sanctions: list[SanctionsHit] = field(default_factory=list)


def screen_locally(app: CaseApplication, ref: ReferenceData,
                   sanctions: GoodsSanctions | None = None) -> LocalScreening:
    """Embargoes, goods sanctions, Annex II prohibitions and general licences that would cover
    the transaction, as on its received date."""
    on = received_on(app)
    out = LocalScreening()
    for country in destination_countries(ref, app, on):
        entry = ref.embargo_entry(country, on)
        if entry is None:
            continue
        full = entry.kind == "full"
        out.embargoes.append(EmbargoHit(country=country, kind=entry.kind, source=entry.source,
                                        reason=entry.reason,
                                        action="criterion_1_proposed" if full else "flag"))
        if full:
            out.proposed_findings.append(ProposedFinding(criterion=1, finding="refusal_ground",
                                                         note=entry.reason))
    museum = bool(MUSEUM.search(app.end_use))
    for line in app.goods:
        if line.annex == "II" or (line.rating or "").startswith("II."):
            out.prohibited.append(Prohibition(
                rating=line.rating, description=line.description, museum_exception=museum,
                reason="Annex II anti-torture goods are prohibited"
                       + (" (museum display stated)" if museum else "")))
    out.general_licence_hints.extend(general_licence_hints(app, ref))
    if sanctions is not None:
        out.sanctions.extend(sanctions_hits(app, ref, sanctions))
    return out


def sanctions_hits(app: CaseApplication, ref: ReferenceData,
                   sanctions: GoodsSanctions) -> list[SanctionsHit]:
    """The goods of the application that EU restrictive measures ban for a destination."""
    on = received_on(app)
    hits = []
    for country in destination_countries(ref, app, on):
        for line in app.goods:
            if not line.rating:
                continue
            for ban, item in sanctions.bans(country, line.rating, on):
                hits.append(SanctionsHit(
                    destination=country, regulation=ban.regulation, annex=ban.annex,
                    item=line.rating if item == "dual_use:*" else item,
                    version=sanctions.version,
                    reason=f"{ban.reason} ({ban.regulation}, {ban.annex}): {line.rating} "
                           f"{line.description}"))
    return hits


def match_requests(app: CaseApplication) -> list[dict[str, Any]]:
    """The denials match queries for an application: one per destination and goods line."""
    end_user = app.end_user
    on = received_on(app)
    queries = []
    # A destination group names no country a denial could be about; it is not queried.
    for dest in named_destinations(app):
        for line in app.goods:
            query: dict[str, Any] = {
                "destination": dest,
                "end_user": {"name": end_user.name, "country": end_user.country},
                "rating": line.rating,
                "goods_description": line.description,
                "on": on.isoformat(),
                "application_ref": app.reference,
            }
            if app.consignee:
                query["consignee"] = {"name": app.consignee.name,
                                      "country": app.consignee.country}
            queries.append(query)
    return queries


def merge_matches(results: Sequence[Sequence[DenialMatch]]) -> list[DenialMatch]:
    """One entry per denial, keeping its best score, best first."""
    best: dict[str, DenialMatch] = {}
    for matches in results:
        for found in matches:
            known = best.get(found.denial_id)
            if known is None or (found.score or 0) > (known.score or 0):
                best[found.denial_id] = found
    return sorted(best.values(), key=lambda m: -(m.score or 0))


def screened_parties(app: CaseApplication) -> list[tuple[str, str, str | None]]:
    """Every party of the application screened against the sanctions list, as (role, name,
    country): the applicant (the broker of a brokering application), the consignee and the
    end user."""
    parties: list[tuple[str, str, str | None]] = [
        ("broker" if app.transaction == "brokering" else "applicant", app.applicant.name, None)]
    if app.consignee is not None:
        parties.append(("consignee", app.consignee.name, app.consignee.country))
    parties.append(("end_user", app.end_user.name, app.end_user.country))
    return parties


def sanctions_request(app: CaseApplication) -> dict[str, Any]:
    """The denials service's sanctions query for an application: every party's name, as on
    the day the application was received."""
    names = []
    for _role, name, country in screened_parties(app):
        asked: dict[str, Any] = {"name": name}
        if country:
            asked["country"] = country
        names.append(asked)
    return {"names": names, "on": received_on(app).isoformat()}


def sanctioned_party_hits(app: CaseApplication, matches: Sequence[dict[str, Any]],
                          list_version: str | None) -> list[SanctionedPartyHit]:
    """The sanctions service's matches as hits of the parties whose names they matched, best
    first; one per party and listed entity."""
    hits: dict[tuple[str, str], SanctionedPartyHit] = {}
    for role, name, _country in screened_parties(app):
        for m in matches:
            # The service answers the name as it read it: stripped of outer spaces.
            if m.get("name_matched") != name.strip():
                continue
            key = (role, str(m["entity_id"]))
            hit = SanctionedPartyHit(
                party_role=role, name=name, entity_id=str(m["entity_id"]),
                alias=str(m.get("alias") or ""), score=float(m.get("score") or 0.0),
                reasons=[str(r) for r in m.get("reasons") or []], programme=m.get("programme"),
                list_version=list_version)
            if key not in hits or hit.score > hits[key].score:
                hits[key] = hit
    return sorted(hits.values(), key=lambda h: (-h.score, h.entity_id, h.party_role))
