"""The read models as functions of the folded state: a case's row, its licence's row and its
notice to parliament. Pure: handlers write what these return, and a test compares them with a
fold of the stream."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.assessment.domain.case import Case, Dismissal, QueueStep, Screening
from services.assessment.domain.catch_all import Requirement
from services.assessment.domain.investigation import Investigation
from services.assessment.domain.licence import Licence, Notification
from shared.contracts.types import money_text
from shared.envelope import canonical_json


def case_document(case: Case) -> dict[str, Any]:
    """The case as its read model keeps it (the case view is made from this)."""
    opened = case.opened
    doc: dict[str, Any] = {
        "application": (opened.application.model_dump(mode="json")
                        if opened is not None and opened.application is not None else None),
        "routing": case.routing.model_dump(mode="json") if case.routing is not None else None,
        "queue_history": [_step(s) for s in case.queue_history],
        "catch_all_requirements": list(case.catch_all_requirements),
        "advice": ({"event_id": case.advice.event_id, "position": case.advice.position,
                    "criteria": list(case.advice.criteria), "grounds": list(case.advice.grounds),
                    "note": case.advice.note, "by": case.advice.by,
                    "recorded_at": case.advice.at.isoformat()}
                   if case.advice is not None else None),
        "amends": case.amends.model_dump(mode="json") if case.amends is not None else None,
        "screening": screening_document(case.screening),
        "findings": {str(f.criterion): f.model_dump(mode="json") for f in case.findings},
        "dismissals": [_dismissal(d) for d in case.dismissals],
        "sanctions_dismissals": [
            {"entity_id": d.entity_id, "reason": d.reason, "by": d.by,
             "recorded_at": d.recorded_at.isoformat()} for d in case.sanctions_dismissals],
        "decision": ({**case.decision.decided.model_dump(mode="json"), "by": case.decision.by}
                     if case.decision is not None else None),
        "licence_number": case.licence_number,
    }
    if case.withdrawal is not None:
        doc["withdrawal"] = {"reason": case.withdrawal.reason,
                             "at": case.withdrawal.at.isoformat()}
    return doc


def screening_document(s: Screening) -> dict[str, Any]:
    """The screening as the case shows it; `completed_at`, `failure` and `earlier_failures`
    only once there is something to say."""
    doc: dict[str, Any] = {
        "status": s.status,
        "embargoes": [e.model_dump(mode="json") for e in s.embargoes],
        "denial_matches": [m.model_dump(mode="json") for m in s.denial_matches],
        "general_licence_hints": [h.model_dump(mode="json") for h in s.general_licence_hints],
        "prohibited": [p.model_dump(mode="json") for p in s.prohibited],
        "proposed_findings": [f.model_dump(mode="json") for f in s.proposed_findings],
        "sanctions": [h.model_dump(mode="json") for h in s.sanctions],
        "registry_version": s.registry_version,
    }
    if s.matcher_version is not None:
        doc["matcher_version"] = s.matcher_version
    if s.sanctions_list_version is not None or s.sanctioned_parties:
        doc["sanctioned_parties"] = [h.model_dump(mode="json") for h in s.sanctioned_parties]
        doc["sanctions_list_version"] = s.sanctions_list_version
    if s.completed_at is not None:
        doc["completed_at"] = s.completed_at.isoformat()
    if s.failure is not None:
        doc["failure"] = s.failure.as_dict()
    if s.earlier_failures:
        doc["earlier_failures"] = [
            {**e.failure.as_dict(), "retried_by": e.retried_by,
             "retried_at": e.retried_at.isoformat()} for e in s.earlier_failures]
    return doc


def _step(step: QueueStep) -> dict[str, Any]:
    return {"kind": step.kind, "queue": step.queue, "rule": step.rule, "reason": step.reason,
            "by": step.by, "at": step.at.isoformat()}


def _dismissal(d: Dismissal) -> dict[str, Any]:
    ruling = {"denial_id": d.denial_id, "reason": d.reason, "by": d.by,
              "recorded_at": d.recorded_at.isoformat()}
    if d.via:
        ruling["via"] = d.via
    return ruling


def queue_order(case: Case) -> str:
    """Where a case stands in the assessors' list: accelerated open cases first, each part by
    opening time (UTC, fixed width, so the text sorts as the time)."""
    opened = case.opened_at.astimezone(dt.UTC) if case.opened_at is not None else None
    stamp = opened.strftime("%Y-%m-%dT%H:%M:%S.%f") if opened is not None else ""
    return f"{0 if case.accelerated and case.status == 'open' else 1}|{stamp}"


def case_row(case: Case, version: int) -> dict[str, Any]:
    """The `cases` row of a case at a stream version."""
    return {
        "id": case.id, "application_id": case.id, "reference": case.reference,
        "queue": case.queue, "status": case.status, "screening_status": case.screening.status,
        "opened_at": case.opened_at,
        "decided_at": case.decision.decided.decided_at if case.decision is not None else None,
        "licence_number": case.licence_number, "document": canonical_json(case_document(case)),
        "version": version, "accelerated": case.accelerated, "queue_order": queue_order(case),
    }


def licence_document(licence: Licence) -> dict[str, Any]:
    """The licence as its read model keeps it: as issued, with its status and history."""
    if licence.issued is None:
        raise ValueError("a licence that was not issued has no read model")
    secret = licence.confidential
    return {**licence.issued.model_dump(mode="json"), "status": licence.status,
            "history": [{"action": c.action, "reason": c.reason, "by": c.by,
                         "at": c.at.isoformat()} for c in licence.history],
            "confidential": ({"release_on": secret.release_on.isoformat(),
                              "reason": secret.reason, "by": secret.by,
                              "at": secret.at.isoformat()} if secret is not None else None)}


def licence_row(licence: Licence) -> dict[str, Any]:
    """The `licences` row of an issued licence."""
    issued = licence.issued
    if issued is None:
        raise ValueError("a licence that was not issued has no read model")
    return {
        "licence_number": issued.licence_number, "application_id": issued.application_id,
        "status": licence.status, "valid_from": issued.valid_from,
        "valid_until": issued.valid_until,
        "amends_licence_number": issued.amends.licence_number if issued.amends else None,
        "document": canonical_json(licence_document(licence)),
    }


def notification_row(application_id: str, notification: Notification) -> dict[str, Any]:
    """The `parliament_notifications` row of a licence's notice to parliament."""
    due = notification.due
    return {
        "id": due.id, "licence_number": due.licence_number, "application_id": application_id,
        "destination": due.destination, "description": due.description,
        "value_eur": money_text(due.value_eur), "decided_on": due.decided_on,
        "due_by": due.due_by, "sent_on": notification.sent_on, "kind": due.kind,
        "explanation": notification.explanation,
        "letter_reference": notification.letter_reference,
        "listed_on": due.due_by or due.decided_on,
    }


def requirement_row(requirement: Requirement) -> dict[str, Any]:
    """The `catch_all_requirements` row of an imposed requirement."""
    imposed = requirement.imposed
    if imposed is None:
        raise ValueError("a requirement that was not imposed has no read model")
    lifted = requirement.lifted
    return {"id": imposed.id, "exporter_eori": imposed.exporter.eori,
            "imposed_on": imposed.imposed_on,
            "lifted_on": lifted.lifted_on if lifted is not None else None,
            "document": canonical_json({
                **imposed.model_dump(mode="json"),
                "lifted_on": lifted.lifted_on.isoformat() if lifted is not None else None,
                "lift_reason": lifted.reason if lifted is not None else None})}


def investigation_row(investigation: Investigation) -> dict[str, Any]:
    """The `investigations` row of a referral."""
    referred = investigation.referred
    if referred is None:
        raise ValueError("an investigation that was not referred has no read model")
    concluded = investigation.concluded
    return {"id": referred.id, "status": investigation.status,
            "referred_on": referred.referred_on,
            "document": canonical_json({
                **referred.model_dump(mode="json"), "status": investigation.status,
                "outcome": concluded.outcome if concluded else None,
                "note": concluded.note if concluded else None,
                "concluded_on": concluded.concluded_on.isoformat() if concluded else None})}
