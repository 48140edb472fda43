"""The read models, written from the events a command appended and the state after them in the
command's transaction (so they cannot drift from the streams), and the lookups commands need."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.denials.db import (
    applications,
    consultations,
    denial_keys,
    denial_names,
    denials,
    dismissals,
    notifications,
    registry,
)
from services.denials.domain.consultation import Consultation
from services.denials.domain.denial import Denial, changes_registry
from services.denials.domain.dutch import DutchApplication
from services.denials.matching import PreparedName, filing_keys, prepare
from services.denials.ratings import rating_key
from shared.contracts import REGISTRY, Event, Payload
from shared.contracts.denials import (
    ConsultationOpened,
    DenialRegistered,
    GrantNotified,
    MatchDismissed,
)
from shared.envelope import Envelope, canonical_json
from shared.eventstore import EventStore
from shared.personal.erased import Erased, is_erased
from shared.personal.vault import Vault

GRANT_DESPITE_DENIAL = "grant_despite_denial"
# Fields of a registration a partner's notification leaves unset: shown only when set.
_DUTCH_ONLY = ("application_id", "ratings", "procedure")


def _events(recorded: Sequence[Envelope]) -> list[Event[Payload]]:
    return [REGISTRY.parse(env) for env in recorded]


# -- denials --------------------------------------------------------------------------------


def prepared_names(denial: Denial) -> tuple[PreparedName, PreparedName | None]:
    """The end user's and the consignee's names, prepared for comparison."""
    n = denial.notification
    return prepare(n.end_user.name), prepare(n.consignee.name) if n.consignee else None


def prepared_aliases(denial: Denial) -> tuple[list[PreparedName], list[PreparedName]]:
    """The other names of the end user and of the consignee, prepared for comparison."""
    n = denial.notification
    return ([prepare(a) for a in n.end_user_aliases],
            [prepare(a) for a in n.consignee_aliases] if n.consignee else [])


def rating_families(denial: Denial) -> set[str]:
    """The rating families a denial is filed under (every rating of its goods)."""
    n = denial.notification
    return {rating_key(r) for r in (n.ratings or [n.rating])}


def index_rows(*, denial_id: str, destination: str, families: set[str],
               end_user: PreparedName, consignee: PreparedName | None,
               aliases: Sequence[PreparedName] = ()) -> list[dict[str, Any]]:
    """The denial_names rows that file one denial in the name index, under every name."""
    keys = sorted(filing_keys(end_user, consignee, *aliases))
    return [{"destination": destination, "rating_key": family, "name_key": key,
             "denial_id": denial_id} for family in sorted(families) for key in keys]


def _party(party: dict[str, Any] | None, aliases: list[str]) -> None:
    # A party shows its other names only when it has some: a denial without is as it was.
    if party is not None and aliases:
        party["aliases"] = aliases


def denial_document(denial: Denial) -> dict[str, Any]:
    """What a partner state is told of a denial (the Dutch application id is removed when
    shown to one); validity is computed when it is shown."""
    n = denial.notification
    doc = n.model_dump(mode="json", exclude={
        "expires_on": True, "end_user_aliases": True, "consignee_aliases": True,
        "consignee": {"type", "subject"}, "end_user": {"type", "subject"}})
    _party(doc["end_user"], list(n.end_user_aliases))
    _party(doc["consignee"], list(n.consignee_aliases))
    for name in _DUTCH_ONLY:
        if doc[name] is None:
            del doc[name]
    doc["denied_on"] = denial.denied_on.isoformat()
    if denial.renewed_on is not None:
        doc["renewed_on"] = denial.renewed_on.isoformat()
    return doc


def names_json(end_user: PreparedName, consignee: PreparedName | None,
               end_user_aliases: Sequence[PreparedName] = (),
               consignee_aliases: Sequence[PreparedName] = ()) -> str:
    """The prepared names a screening compares, kept with the denial."""
    names: dict[str, Any] = {"end_user": end_user.to_json(),
                             "consignee": consignee.to_json() if consignee else None}
    if end_user_aliases:
        names["end_user_aliases"] = [a.to_json() for a in end_user_aliases]
    if consignee_aliases:
        names["consignee_aliases"] = [a.to_json() for a in consignee_aliases]
    return canonical_json(names)


def denial_columns(denial: Denial) -> dict[str, Any]:
    """The row of the `denials` table for a denial's state (but when and at which version)."""
    n = denial.notification
    end_user, consignee = prepared_names(denial)
    return {
        "id": n.id, "state": n.state, "reference": n.reference, "destination": n.destination,
        "regime": n.regime, "rating": n.rating, "denied_on": denial.denied_on,
        "expires_on": denial.expires_on, "revoked_on": denial.revoked_on,
        "expiry_recorded": denial.expiry_recorded, "application_id": n.application_id,
        "names": names_json(end_user, consignee, *prepared_aliases(denial)),
        "document": canonical_json(denial_document(denial)),
    }


# What a renewal, revocation, expiry or dismissal can change of a registered denial's row.
_CHANGING = ("denied_on", "expires_on", "revoked_on", "expiry_recorded", "document")


PRIVATE_PARTIES = ("end_user", "consignee")


async def sealed_columns(vault: Vault, denial: Denial, columns: dict[str, Any]
                         ) -> dict[str, Any]:
    """A denial's row with a private person's name sealed under their data subject's key, in
    the document and in the prepared names (the name index keeps only hashed keys): erasing
    the person leaves the registry's copy unreadable, in a backup too."""
    n = denial.notification
    doc, names = json.loads(columns["document"]), json.loads(columns["names"])
    changed = False
    for role in PRIVATE_PARTIES:
        who = getattr(n, role)
        if who is None or who.type != "private" or who.subject is None:
            continue
        changed = True
        if is_erased(who.name):
            doc[role]["name"] = names[role] = Erased(who.subject).marker()
            continue
        doc[role]["name"] = await vault.seal_field(who.name, subject=who.subject,
                                                   path=f"denials.document.{role}.name")
        names[role] = await vault.seal_field(canonical_json(names[role]), subject=who.subject,
                                             path=f"denials.names.{role}")
    if not changed:
        return columns
    return {**columns, "document": canonical_json(doc), "names": canonical_json(names)}


def projector(store: EventStore) -> Callable[[AsyncSession, Denial | None, list[Envelope]],
                                             Awaitable[None]]:
    """`project_denial` with the store's vault (a private person's name sealed)."""

    async def project(session: AsyncSession, denial: Denial | None,
                      recorded: list[Envelope]) -> None:
        await project_denial(session, denial, recorded, vault=store.vault)

    return project


async def project_denial(session: AsyncSession, denial: Denial | None,
                         recorded: list[Envelope], *, vault: Vault | None = None) -> None:
    """Bring the registry, its indexes and the dismissals up to a denial's new events."""
    assert denial is not None, "a denial's events follow its registration"
    events = _events(recorded)
    columns = {**denial_columns(denial), "version": recorded[-1].stream_version}
    if vault is not None:
        columns = await sealed_columns(vault, denial, columns)
    if any(isinstance(e.payload, DenialRegistered) for e in events):
        await session.execute(insert(denials).values(
            **columns, registered_at=recorded[0].recorded_at))
        destination, families = denial.notification.destination, rating_families(denial)
        await session.execute(insert(denial_keys), [
            {"denial_id": denial.id, "rating_key": k, "destination": destination}
            for k in sorted(families)])
        end_user, consignee = prepared_names(denial)
        end_user_aliases, consignee_aliases = prepared_aliases(denial)
        filed = index_rows(denial_id=denial.id, destination=destination, families=families,
                           end_user=end_user, consignee=consignee,
                           aliases=[*end_user_aliases, *consignee_aliases])
        if filed:  # a name of no letters or digits is no entity to file (nor to match)
            await session.execute(insert(denial_names), filed)
    else:
        await session.execute(update(denials).where(denials.c.id == denial.id).values(
            version=columns["version"], **{k: columns[k] for k in _CHANGING}))
    for event in events:
        if isinstance(event.payload, MatchDismissed):
            await session.execute(insert(dismissals).values(
                application_ref=event.payload.application_ref, denial_id=denial.id,
                reason=event.payload.reason, dismissed_by=event.envelope.actor.sub,
                dismissed_at=event.payload.dismissed_at or event.envelope.occurred_at))
    changed = changes_registry([e.payload for e in events])
    if changed:
        await session.execute(update(registry).where(registry.c.id == 1)
                              .values(version=registry.c.version + changed))


async def denial_holding(session: AsyncSession, *, state: str, reference: str,
                         destination: str) -> str | None:
    """The denial a state registered under a reference for a destination, if any."""
    return (await session.execute(select(denials.c.id).where(
        denials.c.state == state, denials.c.reference == reference,
        denials.c.destination == destination))).scalar()


async def due_for_expiry(session: AsyncSession, on: dt.date,
                         limit: int) -> list[tuple[str, dt.date]]:
    """Denials whose validity ended by `on` with no expiry recorded yet, and when it ended."""
    rows = (await session.execute(
        select(denials.c.id, denials.c.expires_on)
        .where(denials.c.expires_on <= on, denials.c.expiry_recorded.is_(False),
               denials.c.revoked_on.is_(None))
        .order_by(denials.c.expires_on).limit(limit))).all()
    return [(r.id, r.expires_on) for r in rows]


# -- consultations --------------------------------------------------------------------------


def consultation_document(consultation: Consultation) -> dict[str, Any]:
    """A consultation as its parties see it (but its status and version, computed when shown)."""
    replied, closed = consultation.replied, consultation.closed
    doc = consultation.opened.model_dump(mode="json", exclude={"application_id"})
    doc.update(
        answer=replied.answer if replied else None, note=replied.note if replied else None,
        replied_at=replied.replied_at.isoformat() if replied and replied.replied_at else None,
        decision=closed.decision if closed else None, reasons=closed.reasons if closed else None,
        closed_at=closed.closed_at.isoformat() if closed and closed.closed_at else None)
    if closed is not None:
        doc["grant_notified"] = consultation.grant is not None
    return doc


def notification_document(grant: GrantNotified, event_id: str) -> dict[str, Any]:
    """What the denying state is told of a grant despite its denial."""
    return {"id": event_id, "kind": GRANT_DESPITE_DENIAL, **grant.model_dump(mode="json")}


async def project_consultation(session: AsyncSession, consultation: Consultation | None,
                               recorded: list[Envelope]) -> None:
    """Bring the consultations and the notifications up to a consultation's new events."""
    assert consultation is not None, "a consultation's events follow its opening"
    events = _events(recorded)
    version = recorded[-1].stream_version
    document = canonical_json(consultation_document(consultation))
    if any(isinstance(e.payload, ConsultationOpened) for e in events):
        opened = consultation.opened
        await session.execute(insert(consultations).values(
            id=opened.id, denial_id=opened.denial_id, consulting_state=opened.consulting_state,
            denying_state=opened.denying_state, application_ref=opened.application_ref,
            status=consultation.status, opened_at=opened.opened_at, due_by=opened.due_by,
            document=document, version=version))
    else:
        await session.execute(update(consultations)
                              .where(consultations.c.id == consultation.id)
                              .values(status=consultation.status, document=document,
                                      version=version))
    for event in events:
        if isinstance(event.payload, GrantNotified):
            grant = event.payload
            await session.execute(insert(notifications).values(
                id=event.event_id, state=grant.denying_state, kind=GRANT_DESPITE_DENIAL,
                consultation_id=grant.consultation_id,
                created_at=grant.notified_at or event.envelope.occurred_at,
                document=canonical_json(notification_document(grant, event.event_id))))


async def running_consultation(session: AsyncSession, *, denial_id: str, application_ref: str,
                               consulting_state: str) -> str | None:
    """A consultation of this state on this denial and case that is not closed yet."""
    c = consultations.c
    return (await session.execute(select(c.id).where(
        c.denial_id == denial_id, c.application_ref == application_ref,
        c.consulting_state == consulting_state, c.status != "closed"))).scalar()


# -- Dutch applications ---------------------------------------------------------------------


async def keep_application(session: AsyncSession, app: DutchApplication, *,
                           vault: Vault | None = None) -> None:
    """Keep what the registry needs of a Dutch application, once (with `vault`, a private
    person's name sealed as in the events)."""
    known = (await session.execute(select(applications.c.id)
                                   .where(applications.c.id == app.id))).first()
    if known is None:
        document = app.model_dump(mode="json")
        if vault is not None:
            document = await vault.seal(DutchApplication, document)
        await session.execute(insert(applications).values(
            id=app.id, reference=app.reference, document=canonical_json(document)))


async def application(session: AsyncSession, application_id: str, *,
                      vault: Vault | None = None) -> DutchApplication | None:
    """A Dutch application as kept, or None when intake's event has not come yet (with
    `vault`, its personal fields opened; else they read as erased)."""
    document = (await session.execute(select(applications.c.document).where(
        applications.c.id == application_id))).scalar()
    if document is None:
        return None
    data = json.loads(document)
    if vault is not None:
        [data] = await vault.open_payloads([(vault.source, data)], fetch=False)
    return DutchApplication.model_validate(data)


async def application_reference(session: AsyncSession, application_id: str) -> str | None:
    """The reference of a Dutch application, or None when it is not known yet."""
    return (await session.execute(select(applications.c.reference).where(
        applications.c.id == application_id))).scalar()


async def application_of_reference(session: AsyncSession, reference: str) -> str | None:
    """The id of the Dutch application with this reference, if there is one."""
    return (await session.execute(select(applications.c.id).where(
        applications.c.reference == reference))).scalar()
