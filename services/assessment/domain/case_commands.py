"""Commands on a case: each decides, from the case's state, the events it appends (or
refuses with a domain error), and the rules they apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from services.assessment.domain.case import Case
from services.assessment.domain.grounds import check_denial, check_grounds
from services.assessment.domain.routing import route
from services.assessment.domain.screening import screen_locally
from shared.clock import business_date
from shared.contracts import Payload
from shared.contracts.assessment import (
    AdviceRecorded,
    AmendedLicence,
    CaseApplication,
    CaseClosed,
    CaseDecided,
    CaseOpened,
    CaseReferred,
    CaseRouted,
    CitedAdvice,
    DenialMatch,
    FindingRecorded,
    MatchDismissed,
    SanctionedPartyHit,
    SanctionsHitDismissed,
    ScreeningCompleted,
    ScreeningFailed,
    ScreeningPending,
)
from shared.errors import Conflict, Forbidden, Invalid
from shared.reference import ReferenceData
from shared.reference.grounds import RefusalGrounds
from shared.reference.policies import DestinationPolicies
from shared.reference.sanctions import GoodsSanctions

# Only `assessor` decides CDIU cases and only `mfa` decides MFA cases.
QUEUE_ROLE = {"cdiu": "assessor", "mfa": "mfa"}
NOT_CONSULTED = "the denials registry has not been consulted yet"


@dataclass(frozen=True)
class Consultation:
    """A consultation the Netherlands opened with a denying state (the denials registry's)."""

    id: str
    denial_id: str
    status: Literal["open", "closed"]
    consulting_state: str | None = None
    denying_state: str | None = None
    decision: str | None = None
    opened_at: dt.datetime | None = None


@dataclass(frozen=True)
class Blocker:
    """An undismissed matched denial whose consultation has no outcome yet."""

    denial_id: str
    state: str | None
    consultations: tuple[str, ...]
    consultation_status: Literal["open", "not_opened"]

    def as_dict(self) -> dict[str, Any]:
        """The blocker as the case and a refused approval show it."""
        return {"denial_id": self.denial_id, "state": self.state,
                "consultations": list(self.consultations),
                "consultation_status": self.consultation_status}



# -- decide --------------------------------------------------------------------------------------


def open_case(case: Case, app: CaseApplication, ref: ReferenceData,
              amends: AmendedLicence | None, *, policies: DestinationPolicies | None = None,
              sanctions: GoodsSanctions | None = None,
              requirements: Sequence[str] = ()) -> list[Payload]:
    """Open, route and locally screen a case for a submitted application (once).

    `requirements` are the catch-all requirements that cover it: it is then a catch-all case.
    """
    if case.status != "new":
        return []
    routing = route(app, ref, policies=policies, requirements=requirements)
    local = screen_locally(app, ref, sanctions)
    return [
        CaseOpened(application_id=app.id, reference=app.reference, regime=app.regime,
                   procedure=app.procedure, received_at=app.received_at, amends=amends,
                   catch_all_requirements=list(requirements), application=app),
        CaseRouted(queue=routing.queue, rule=routing.rule, explanation=routing.explanation,
                   judged_on=routing.judged_on, reference_version=routing.reference_version,
                   policy=routing.policy),
        ScreeningPending(reason=NOT_CONSULTED, embargoes=local.embargoes,
                         general_licence_hints=local.general_licence_hints,
                         prohibited=local.prohibited, proposed_findings=local.proposed_findings,
                         reference_version=ref.version, sanctions=local.sanctions),
    ]


def complete_screening(case: Case, *, denial_matches: Sequence[DenialMatch],
                       registry_version: str | None, reference_version: str,
                       matcher_version: str | None = None,
                       sanctioned_parties: Sequence[SanctionedPartyHit] = (),
                       sanctions_list_version: str | None = None) -> list[Payload]:
    """Record a screening that ran, denial matches and sanctioned parties included; nothing
    unless it is pending."""
    if case.status != "open" or case.screening.status != "pending":
        return []
    s = case.screening
    return [ScreeningCompleted(
        embargoes=list(s.embargoes), denial_matches=list(denial_matches),
        general_licence_hints=list(s.general_licence_hints), registry_version=registry_version,
        prohibited=list(s.prohibited), proposed_findings=list(s.proposed_findings),
        reference_version=reference_version, sanctions=list(s.sanctions),
        matcher_version=matcher_version, sanctioned_parties=list(sanctioned_parties),
        sanctions_list_version=sanctions_list_version)]


def fail_screening(case: Case, *, status: int, problem: Mapping[str, Any], reason: str,
                   reference_version: str) -> list[Payload]:
    """Record that the registry refused the screening for good; nothing unless it is pending."""
    if case.status != "open" or case.screening.status != "pending":
        return []
    return [ScreeningFailed(reason=reason, status=status, problem=dict(problem),
                            reference_version=reference_version)]


def retry_screening(case: Case, *, by: str, reference_version: str) -> list[Payload]:
    """Put a failed screening back in the queue; nothing for a pending one."""
    ensure_open(case)
    s = case.screening
    if s.status == "pending":
        return []
    if s.status != "failed":
        raise Conflict("the screening ran already (completed); only a failed screening is re-run",
                       code="screening-completed")
    cause = s.failure.reason if s.failure is not None else None
    return [ScreeningPending(
        reason=f"re-run requested by {by} after the screening failed: {cause}",
        embargoes=list(s.embargoes), general_licence_hints=list(s.general_licence_hints),
        prohibited=list(s.prohibited), proposed_findings=list(s.proposed_findings),
        reference_version=reference_version, retry=True, sanctions=list(s.sanctions))]


def record_finding(case: Case, *, roles: Sequence[str], criterion: int,
                   finding: Literal["pass", "concern", "refusal_ground"],
                   note: str | None) -> list[Payload]:
    """Record (or replace) an assessor's finding on one of the eight criteria."""
    ensure_open(case)
    check_decider(case.queue, roles)
    return [FindingRecorded(criterion=criterion, finding=finding, note=note)]


def dismiss_match(case: Case, *, roles: Sequence[str], denial_id: str,
                  reason: str) -> list[Payload]:
    """Dismiss a denial match as not essentially identical, with a reason."""
    ensure_open(case)
    check_decider(case.queue, roles)
    matched = {m.denial_id: m for m in case.screening.denial_matches}
    if denial_id not in matched:
        raise Invalid(f"denial {denial_id} is not among the case's matches",
                      code="invalid-command")
    if case.ruled_on(denial_id):
        raise Conflict(f"the match with denial {denial_id} is already dismissed")
    return [_dismissed(case, denial_id, reason, matched[denial_id].state)]


def dismiss_sanctions_hit(case: Case, *, roles: Sequence[str], entity_id: str,
                          reason: str) -> list[Payload]:
    """Rule, with a reason, that a party's hit on the sanctions list is not the listed entity."""
    ensure_open(case)
    check_decider(case.queue, roles)
    hits = [h for h in case.screening.sanctioned_parties if h.entity_id == entity_id]
    if not hits:
        raise Invalid(f"listed entity {entity_id} is not among the case's sanctions hits",
                      code="invalid-command")
    if any(d.entity_id == entity_id for d in case.sanctions_dismissals):
        raise Conflict(f"the sanctions hit on entity {entity_id} is already dismissed")
    return [SanctionsHitDismissed(
        entity_id=entity_id, reason=reason,
        party_roles=list(dict.fromkeys(h.party_role for h in hits)),
        names=list(dict.fromkeys(h.name for h in hits)), list_version=hits[0].list_version)]


def registry_dismissal_ignored(case: Case, denial_id: str) -> str | None:
    """Why a dismissal ruled in the denials registry is not recorded on this case, if so."""
    if case.ruled_on(denial_id):
        return f"the match of denial {denial_id} was dismissed already"
    if case.status != "open":
        return f"the case is {case.status}"
    return None


def follow_registry_dismissal(case: Case, *, denial_id: str, reason: str,
                              state: str | None) -> list[Payload]:
    """Record a dismissal ruled in the denials registry, once per denial, on an open case.

    A denial that is not among the case's matches is recorded too, so approval never waits
    for it should a later screening raise it.
    """
    if registry_dismissal_ignored(case, denial_id) is not None:
        return []
    matched = {m.denial_id: m for m in case.screening.denial_matches}
    known = matched.get(denial_id)
    return [_dismissed(case, denial_id, reason, state or (known.state if known else None))]


def _dismissed(case: Case, denial_id: str, reason: str, state: str | None) -> MatchDismissed:
    # The denials service mirrors the ruling from this event: it names the case by the
    # reference its screenings carry, so the pair is not raised again there either.
    return MatchDismissed(denial_id=denial_id, reason=reason, application_id=case.id,
                          application_ref=case.reference, state=state)


def refer(case: Case, *, roles: Sequence[str], reason: str) -> list[Payload]:
    """The CDIU refers an open case of its queue to the MFA (politically sensitive)."""
    ensure_open(case)
    if case.queue != "cdiu":
        raise Conflict(f"the case is in the {case.queue.upper()} queue; only a CDIU case is "
                       "referred to the MFA", code="not-in-cdiu-queue")
    check_decider(case.queue, roles)
    return [CaseReferred(from_queue="cdiu", to_queue="mfa", reason=reason)]


def record_advice(case: Case, *, position: Literal["positive", "negative"],
                  criteria: Sequence[int], grounds: Sequence[str], note: str | None,
                  catalogue: RefusalGrounds) -> list[Payload]:
    """The MFA's foreign-policy advice on an open case, in its regime's vocabulary."""
    ensure_open(case)
    check_grounds(case.application.regime, grounds, catalogue)
    return [AdviceRecorded(position=position, criteria=sorted(set(criteria)),
                           grounds=list(dict.fromkeys(grounds)), note=note)]


def decide(case: Case, *, roles: Sequence[str], outcome: Literal["approve", "deny"],
           criteria: Sequence[int], note: str | None, decided_at: dt.datetime,
           now: dt.datetime, consultations: Sequence[Consultation], catalogue: RefusalGrounds,
           grounds: Sequence[str] = ()) -> list[CaseDecided]:
    """Approve or deny the case: once, while open, at a plausible time, by its queue's role,
    a denial on its regime's grounds, an approval only on a screening that ran and with no
    consultation, prohibition or sanction in the way. It cites the latest advice."""
    check_decider(case.queue, roles)
    check_decidable(case, outcome=outcome, decided_at=decided_at, now=now)
    app = case.application
    if outcome == "deny":
        check_denial(app.regime, criteria, grounds, catalogue)
    else:
        check_grounds(app.regime, grounds, catalogue)
        check_approvable(case, consultations)
    advice = case.advice
    return [CaseDecided(
        application_id=case.id, reference=case.reference,
        outcome="approved" if outcome == "approve" else "denied",
        criteria=sorted(set(criteria)), note=note, decided_at=decided_at,
        decided_on=business_date(decided_at), queue=case.queue, regime=app.regime,
        procedure=app.procedure, transaction=app.transaction, destinations=app.destinations,
        end_user=app.end_user, consignee=app.consignee, goods=app.goods,
        value_eur=app.value_eur, findings=list(case.findings),
        grounds=list(dict.fromkeys(grounds)),
        advice=CitedAdvice(event_id=advice.event_id, position=advice.position)
        if advice is not None else None,
        catch_all=case.catch_all)]


def withdraw(case: Case, *, reason: str | None) -> list[Payload]:
    """Close an open case whose application was withdrawn; nothing for any other case."""
    if case.status != "open":
        return []
    return [CaseClosed(application_id=case.id, reason="withdrawn", note=reason)]


# -- rules ---------------------------------------------------------------------------------------


def ensure_open(case: Case) -> None:
    """Refuse a command on a decided or withdrawn case."""
    if case.status != "open":
        raise Conflict(f"the case is {case.status}", code="case-closed")


def check_decider(queue: str, roles: Sequence[str]) -> None:
    """Only the queue's role works on a case: `assessor` for the CDIU, `mfa` for the MFA."""
    needed = QUEUE_ROLE[queue]
    if needed not in roles:
        raise Forbidden(f"{queue.upper()} cases are decided by the role {needed!r}")


def check_decidable(case: Case, *, outcome: str, decided_at: dt.datetime,
                    now: dt.datetime) -> None:
    """A case is decided once, while open, at a plausible time, and approved only on a
    screening that ran; a failed screening still allows a denial."""
    if case.status != "open":
        raise Conflict(f"the case is {case.status}; it cannot be decided again",
                       code="case-closed")
    screening = case.screening
    if screening.status == "failed":
        if outcome != "deny":
            failure = screening.failure
            raise Conflict(
                f"screening failed ({failure.reason if failure else None}); a case is never "
                "approved on a screening that did not run: re-run it once the cause is fixed "
                f"(POST /v1/cases/{case.id}/screening/retry), or deny the case",
                code="screening-failed", failure=failure.as_dict() if failure else {})
    elif screening.status != "completed":
        raise Conflict("screening is pending (the denials registry was not consulted yet); "
                       "a case is never decided on a screening that did not run",
                       code="screening-pending")
    if decided_at > now:
        raise Invalid("decided_at lies in the future", code="invalid-command")
    received = case.application.received_at
    if decided_at < received:
        raise Invalid(f"decided_at lies before the application was received ({received})",
                      code="invalid-command")


def approval_blockers(denial_matches: Sequence[DenialMatch], dismissed: Sequence[str],
                      consultations: Sequence[Consultation]) -> list[Blocker]:
    """Undismissed matched denials whose consultation has no outcome yet."""
    blockers = []
    for match in denial_matches:
        if match.denial_id in dismissed:
            continue
        on_denial = [c for c in consultations if c.denial_id == match.denial_id]
        if any(c.status == "closed" for c in on_denial):
            continue
        blockers.append(Blocker(denial_id=match.denial_id, state=match.state,
                                consultations=tuple(c.id for c in on_denial),
                                consultation_status="open" if on_denial else "not_opened"))
    return blockers


def check_approvable(case: Case, consultations: Sequence[Consultation]) -> None:
    """Refuse an approval blocked by a consultation obligation or an Annex II prohibition."""
    blockers = approval_blockers(case.screening.denial_matches,
                                 [d.denial_id for d in case.dismissals], consultations)
    if blockers:
        parts = []
        for b in blockers:
            if b.consultations:
                parts.append(f"denial {b.denial_id} ({b.state}): consultation "
                             f"{', '.join(b.consultations)} has no outcome yet")
            else:
                parts.append(f"denial {b.denial_id} ({b.state}): no consultation opened; "
                             "consult the denying state or dismiss the match with a reason")
        raise Conflict("approval waits for the consultation obligation: " + "; ".join(parts),
                       code="approval-blocked", blockers=[b.as_dict() for b in blockers],
                       denial_ids=[b.denial_id for b in blockers],
                       consultation_ids=[c for b in blockers for c in b.consultations])
    hits = case.open_sanctions_hits()
    if hits:
        named = "; ".join(f"{h.party_role.replace('_', ' ')} '{h.name}' is listed entity "
                          f"{h.entity_id} ('{h.alias}'{', ' + h.programme if h.programme else ''}"
                          f", score {h.score:.2f})" for h in hits)
        raise Conflict(f"approval waits for the sanctions hits: {named}; an assessor dismisses "
                       f"a hit with a reason (POST /v1/cases/{case.id}/sanctions-hits/"
                       "{entity_id}/dismissal) or the case is denied",
                       code="sanctioned-party",
                       sanctioned_parties=[h.model_dump(mode="json") for h in hits],
                       entity_ids=list(dict.fromkeys(h.entity_id for h in hits)))
    prohibited = [p for p in case.screening.prohibited if not p.museum_exception]
    if prohibited:
        raise Conflict("Annex II anti-torture goods are prohibited (only display in a museum "
                       "is exempt)", code="approval-blocked",
                       prohibited=[p.model_dump(mode="json") for p in prohibited])
    sanctioned = case.screening.sanctions
    if sanctioned:
        named = "; ".join(dict.fromkeys(f"{h.regulation} ({h.annex}) bans {h.item} to "
                                        f"{h.destination}" for h in sanctioned))
        raise Conflict(f"goods sanctions forbid this export: {named}; the case can only be "
                       "denied", code="sanctions",
                       sanctions=[h.model_dump(mode="json") for h in sanctioned],
                       regulations=list(dict.fromkeys(h.regulation for h in sanctioned)))


