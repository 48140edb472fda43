"""Sanctioned parties: which version of the list is screened, and which listed entity a name is.

The list's stream (`eu-fsf`) records each version loaded (`SanctionsListLoaded`); the newest
loaded is the one screened. A reload of the same bytes records nothing; a file older than the
one screened is refused (a rollback is a deliberate act: load a newer export). Screening
compares a name with every name of every entity by the same entity resolution as denial
matching (`services.denials.matching`); a person is matched on a whole name, never by an
acronym of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from services.denials.domain.sanctions_list import SanctionsList, SubjectType
from services.denials.matching import PreparedName, explain_match
from shared.contracts import Payload
from shared.contracts.denials import RealisationSanctionsHit, SanctionsListLoaded
from shared.contracts.intake import RealisationReported
from shared.errors import Conflict

# The one list screened today: the EU's consolidated financial sanctions list.
LIST_STREAM = "eu-fsf"


@dataclass(frozen=True)
class LoadedLists:
    """The list's stream folded: every version loaded, the screened one last."""

    loaded: tuple[SanctionsListLoaded, ...] = ()

    @property
    def current(self) -> SanctionsListLoaded | None:
        """The version screened now."""
        return self.loaded[-1] if self.loaded else None

    def holding(self, sha256: str) -> SanctionsListLoaded | None:
        """The version loaded from these bytes, if any."""
        return next((v for v in self.loaded if v.sha256 == sha256), None)


def evolve(state: LoadedLists, event: Payload) -> LoadedLists:
    """The lists after one event of their stream."""
    if isinstance(event, SanctionsListLoaded):
        return replace(state, loaded=(*state.loaded, event))
    return state


def load(state: LoadedLists, parsed: SanctionsList) -> list[Payload]:
    """Load a version of the list: nothing if these bytes are the one screened, refused if
    older than it."""
    current = state.current
    if current is not None and current.sha256 == parsed.sha256:
        return []
    if current is not None and parsed.generated_at < current.generated_at:
        raise Conflict(f"the file was generated {parsed.version}, before the list screened now "
                       f"({current.list_version}); load a newer export",
                       code="sanctions-list-older", current_version=current.list_version)
    persons = sum(e.subject_type == "person" for e in parsed.entities)
    return [SanctionsListLoaded(
        list_version=parsed.version, generated_at=parsed.generated_at,
        entities=len(parsed.entities), names=parsed.name_count, sha256=parsed.sha256,
        persons=persons, enterprises=len(parsed.entities) - persons)]


# -- screening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A listed entity as screening compares it: its names prepared."""

    entity_id: str
    subject_type: SubjectType
    names: tuple[PreparedName, ...]
    programme: str | None = None
    countries: tuple[str, ...] = ()
    designated_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Asked:
    """A name screened: the party's name, and the country it is in when known."""

    name: PreparedName
    country: str | None = None


@dataclass(frozen=True)
class SanctionsMatch:
    """A name asked about that is (or may be) a listed entity, how sure, and why in words."""

    entity_id: str
    name_matched: str
    alias: str
    score: float
    reasons: tuple[str, ...]
    programme: str | None
    subject_type: SubjectType

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"entity_id": self.entity_id, "name_matched": self.name_matched,
                "alias": self.alias, "score": self.score, "reasons": list(self.reasons),
                "programme": self.programme, "subject_type": self.subject_type}


_ACRONYM = "is the acronym of"


def match_entity(asked: Asked, entity: Listed, *, on: dt.date | None = None,
                 aliases: Collection[int] | None = None) -> SanctionsMatch | None:
    """The best of the entity's names that is the name asked about, or None; `aliases` (their
    positions) restricts the names compared to those the name index offered."""
    if on is not None and entity.designated_on is not None and entity.designated_on > on:
        return None
    best: tuple[float, str, tuple[str, ...]] | None = None
    for i, alias in enumerate(entity.names):
        if aliases is not None and i not in aliases:
            continue
        found = explain_match(asked.name, alias)
        if found is None:
            continue
        # A person is named by the whole name: initials stand for too many people.
        if entity.subject_type == "person" and any(_ACRONYM in r for r in found.reasons):
            continue
        if best is None or found.score > best[0]:
            best = (found.score, alias.raw, found.reasons)
    if best is None:
        return None
    score, alias_raw, how = best
    reasons = [f"'{asked.name.raw}' = listed name '{alias_raw}' ({score:.2f}: "
               f"{'; '.join(how)})"]
    if entity.subject_type == "person":
        reasons.append("a listed person, matched on the whole name")
    if asked.country and asked.country in entity.countries:
        reasons.append(f"listed with country {asked.country}")
    elif asked.country and entity.countries:
        reasons.append(f"listed with country {', '.join(entity.countries)}, not "
                       f"{asked.country}: the name alone matched")
    if entity.programme:
        reasons.append(f"programme {entity.programme}")
    return SanctionsMatch(entity_id=entity.entity_id, name_matched=asked.name.raw,
                          alias=alias_raw, score=score, reasons=tuple(reasons),
                          programme=entity.programme, subject_type=entity.subject_type)


def screen(asked: Sequence[Asked], entities: Iterable[Listed], *, on: dt.date | None = None,
           offered: Mapping[tuple[int, str], Collection[int]] | None = None
           ) -> list[SanctionsMatch]:
    """Every listed entity each name asked about is (once per name and entity, by its best
    listed name), best first.

    `offered`, from the name index: for (position of a name asked, entity id), the positions
    of the entity's names sharing an index key with it; only those pairs are compared (any
    pair the matcher calls one entity shares a key). None compares every pair.
    """
    best: dict[tuple[str, str], SanctionsMatch] = {}
    listed = list(entities)
    for n, one in enumerate(asked):
        for entity in listed:
            aliases = None
            if offered is not None:
                aliases = offered.get((n, entity.entity_id))
                if not aliases:
                    continue
            found = match_entity(one, entity, on=on, aliases=aliases)
            key = (entity.entity_id, one.name.raw)
            known = best.get(key)
            if found is not None and (known is None or found.score > known.score):
                best[key] = found
    return sorted(best.values(), key=lambda m: (-m.score, m.entity_id, m.name_matched))


# -- realisations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealisationScreening:
    """A realisation's stream in denials folded: the listed entities already recorded."""

    recorded: frozenset[tuple[str, str]] = frozenset()  # (party role, entity id)


def evolve_realisation(state: RealisationScreening, event: Payload) -> RealisationScreening:
    """The realisation's screening after one event of its stream."""
    if isinstance(event, RealisationSanctionsHit):
        return replace(state, recorded=state.recorded | {(event.party_role, event.entity_id)})
    return state


def realisation_parties(realisation: RealisationReported) -> list[tuple[str, str]]:
    """The named parties of a general-licence realisation, as (role, name): its exporter (a
    realisation names no consignee or end user)."""
    return [("exporter", realisation.exporter.name)]


def realisation_hits(state: RealisationScreening, realisation: RealisationReported,
                     found: Sequence[tuple[str, SanctionsMatch]], *,
                     list_version: str) -> list[Payload]:
    """A `RealisationSanctionsHit` per party and listed entity not recorded yet."""
    new: list[Payload] = []
    seen = set(state.recorded)
    for role, match in found:
        if (role, match.entity_id) in seen:
            continue
        seen.add((role, match.entity_id))
        new.append(RealisationSanctionsHit(
            realisation_id=realisation.id, code=realisation.code, party_role=role,
            name=match.name_matched, entity_id=match.entity_id, alias=match.alias,
            score=match.score, reasons=list(match.reasons), programme=match.programme,
            list_version=list_version))
    return new
