"""Handlers of a case's life: opening, screening (completed, failed, re-run), findings,
dismissals, decision, withdrawal."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment import domain
from services.assessment import events as ev
from services.assessment.db import cases, consultations, licences
from services.assessment.handlers.base import (
    Context,
    LoadedCase,
    case_consultations,
    check_if_match,
    load_case,
    save_case,
)
from services.assessment.handlers.dismissals import is_dismissed, record_dismissal
from services.assessment.handlers.licences import issue_licence
from shared.auth import Principal
from shared.clock import utcnow
from shared.envelope import SYSTEM, Envelope, canonical_json
from shared.eventstore import NewEvent

log = logging.getLogger(__name__)


async def open_case(ctx: Context, session: AsyncSession, env: Envelope) -> None:
    """Open, route and locally screen a case for a submitted application (inside the consumer)."""
    app = dict(env.payload)
    app.setdefault("received_at", env.occurred_at.isoformat())
    app.setdefault("procedure", "licence")
    exists = (await session.execute(select(cases.c.id).where(cases.c.id == app["id"]))).first()
    if exists is not None:
        return
    routing = domain.route(app, ctx.ref)
    local = domain.screen_locally(app, ctx.ref)
    routed = {"queue": routing.queue, "rule": routing.rule, "explanation": routing.explanation,
              "judged_on": routing.judged_on.isoformat(),
              "reference_version": routing.reference_version}
    amends = await _amended_licence(session, app.get("amends"))
    pending = {"reason": "the denials registry has not been consulted yet",
               "embargoes": local.embargoes, "general_licence_hints": local.general_licence_hints,
               "prohibited": local.prohibited, "proposed_findings": local.proposed_findings,
               "reference_version": ctx.ref.version}
    recorded = await ctx.runtime.store.append(
        session, app["id"],
        [NewEvent(ev.CASE_OPENED, {"application_id": app["id"], "reference": app["reference"],
                                   "regime": app.get("regime"), "procedure": app["procedure"],
                                   "received_at": app["received_at"], "amends": amends},
                  occurred_at=env.occurred_at),
         NewEvent(ev.CASE_ROUTED, routed, occurred_at=env.occurred_at),
         NewEvent(ev.SCREENING_PENDING, pending, occurred_at=env.occurred_at)],
        actor=SYSTEM, correlation_id=env.correlation_id, causation_id=env.event_id,
    )
    doc: dict[str, Any] = {
        "application": app, "routing": routed, "amends": amends,
        "screening": {"status": "pending", "embargoes": local.embargoes, "denial_matches": [],
                      "general_licence_hints": local.general_licence_hints,
                      "prohibited": local.prohibited,
                      "proposed_findings": local.proposed_findings, "registry_version": None},
        "findings": {}, "dismissals": [], "decision": None, "licence_number": None}
    await session.execute(insert(cases).values(
        id=app["id"], application_id=app["id"], reference=app["reference"], queue=routing.queue,
        status="open", screening_status="pending", opened_at=recorded[0].recorded_at,
        document=canonical_json(doc), version=recorded[-1].stream_version,
    ))
    log.info("case %s opened in queue %s by rule %s (event %s, correlation %s)", app["id"],
             routing.queue, routing.rule, env.event_id, env.correlation_id)


async def _amended_licence(session: AsyncSession, amends: Any) -> dict[str, Any] | None:
    """The licence an extension or replacement amends, as far as this service knows it."""
    if not isinstance(amends, dict) or not amends.get("licence_number"):
        return None
    row = (await session.execute(select(licences.c.licence_number, licences.c.application_id,
                                        licences.c.document)
                                 .where(licences.c.licence_number == amends["licence_number"]))
           ).first()
    out = {"licence_number": amends["licence_number"], "kind": amends.get("kind"),
           "known": row is not None}
    if row is not None:
        old = json.loads(row.document)
        out["application_id"] = row.application_id
        out["previous_value_eur"] = old.get("value_eur")
        out["previous_valid_until"] = old.get("valid_until")
    return out


async def complete_screening(ctx: Context, case_id: str, *, denial_matches: list[dict[str, Any]],
                             registry_version: str | None) -> bool:
    """Record a screening that ran (denial matches included); False if it was not pending."""
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        screening = case.doc["screening"]
        if screening["status"] != "pending" or case.status != "open":
            return False
        payload = {"embargoes": screening["embargoes"], "denial_matches": denial_matches,
                   "general_licence_hints": screening["general_licence_hints"],
                   "registry_version": registry_version, "prohibited": screening["prohibited"],
                   "proposed_findings": screening["proposed_findings"],
                   "reference_version": ctx.ref.version}
        recorded = await ctx.runtime.store.append(
            session, case.id, [NewEvent(ev.SCREENING_COMPLETED, payload)], actor=SYSTEM,
            expected_version=case.version)
        screening.update(status="completed", denial_matches=denial_matches,
                         registry_version=registry_version,
                         completed_at=recorded[0].recorded_at.isoformat())
        await save_case(session, case, version=recorded[-1].stream_version,
                        screening_status="completed")
    return True


async def fail_screening(ctx: Context, case_id: str, *, status: int, problem: dict[str, Any],
                         reason: str) -> bool:
    """Record that the denials registry refused the screening for good; False if not pending."""
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        screening = case.doc["screening"]
        if screening["status"] != "pending" or case.status != "open":
            return False
        payload = {"reason": reason, "status": status, "problem": problem,
                   "reference_version": ctx.ref.version}
        recorded = await ctx.runtime.store.append(
            session, case.id, [NewEvent(ev.SCREENING_FAILED, payload)], actor=SYSTEM,
            expected_version=case.version)
        screening.update(status="failed", failure={
            "reason": reason, "status": status, "problem": problem,
            "failed_at": recorded[0].recorded_at.isoformat()})
        await save_case(session, case, version=recorded[-1].stream_version,
                        screening_status="failed")
    return True


async def retry_screening(ctx: Context, who: Principal, case_id: str, *,
                          if_match: int | None) -> bool:
    """Put a failed screening back in the queue; True if that was recorded, False if pending."""
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        check_if_match(case, if_match)
        _check_open(case)
        screening = case.doc["screening"]
        if screening["status"] == "pending":
            return False
        if screening["status"] != "failed":
            raise domain.DomainError(
                "the screening ran already (completed); only a failed screening is re-run",
                kind="screening-completed")
        failure = screening.pop("failure", None) or {}
        payload = {"reason": f"re-run requested by {who.sub} after the screening failed: "
                             f"{failure.get('reason')}",
                   "embargoes": screening["embargoes"],
                   "general_licence_hints": screening["general_licence_hints"],
                   "prohibited": screening["prohibited"],
                   "proposed_findings": screening["proposed_findings"],
                   "reference_version": ctx.ref.version, "retry": True}
        recorded = await ctx.runtime.store.append(
            session, case.id, [NewEvent(ev.SCREENING_PENDING, payload)], actor=who.as_actor(),
            expected_version=case.version)
        screening["status"] = "pending"
        screening.setdefault("earlier_failures", []).append(
            {**failure, "retried_by": who.sub,
             "retried_at": recorded[0].recorded_at.isoformat()})
        await save_case(session, case, version=recorded[-1].stream_version,
                        screening_status="pending")
    return True


async def record_finding(ctx: Context, who: Principal, case_id: str, *, criterion: int,
                         finding: str, note: str | None, if_match: int | None) -> None:
    """Record an assessor's finding on one of the eight criteria."""
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        check_if_match(case, if_match)
        _check_open(case)
        domain.check_decider(case.queue, who.roles)
        payload = {"criterion": criterion, "finding": finding, "note": note}
        recorded = await ctx.runtime.store.append(
            session, case.id, [NewEvent(ev.FINDING_RECORDED, payload)], actor=who.as_actor(),
            expected_version=case.version)
        case.doc["findings"][str(criterion)] = {
            **payload, "by": who.sub, "recorded_at": recorded[0].recorded_at.isoformat()}
        await save_case(session, case, version=recorded[-1].stream_version)


async def dismiss_match(ctx: Context, who: Principal, case_id: str, *, denial_id: str,
                        reason: str, if_match: int | None) -> None:
    """Dismiss a denial match as not essentially identical, with a reason."""
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        check_if_match(case, if_match)
        _check_open(case)
        domain.check_decider(case.queue, who.roles)
        matched = {m["denial_id"]: m for m in case.doc["screening"]["denial_matches"]}
        if denial_id not in matched:
            raise domain.InvalidCommand(f"denial {denial_id} is not among the case's matches")
        if is_dismissed(case, denial_id):
            raise domain.DomainError(f"the match with denial {denial_id} is already dismissed")
        await record_dismissal(ctx, session, case, denial_id=denial_id, reason=reason,
                               state=matched[denial_id].get("state"), actor=who.as_actor())


def _check_open(case: LoadedCase) -> None:
    if case.status != "open":
        raise domain.DomainError(f"the case is {case.status}", kind="case-closed")


async def decide(ctx: Context, who: Principal, case_id: str, *, outcome: str,
                 criteria: list[int], note: str | None, decided_at: dt.datetime | None,
                 if_match: int | None) -> None:
    """Approve or deny a case; an approved licence application issues its licence."""
    now = utcnow()
    decided_at = decided_at or now
    async with ctx.runtime.transaction() as session:
        case = await load_case(session, case_id)
        check_if_match(case, if_match)
        domain.check_decider(case.queue, who.roles)
        domain.check_decidable(case.view(), outcome=outcome, decided_at=decided_at, now=now)
        if outcome == "deny" and not criteria:
            raise domain.InvalidCommand("a denial must cite the criteria it rests on (1 to 8)")
        if outcome == "approve":
            domain.check_approvable(case.view(), await case_consultations(session,
                                                                          case.reference))
        app = case.doc["application"]
        decided_on = domain.business_date(decided_at)
        decision = {"application_id": case.id, "reference": case.reference,
                    "outcome": "approved" if outcome == "approve" else "denied",
                    "criteria": sorted(set(criteria)), "note": note,
                    "decided_at": decided_at.isoformat(), "decided_on": decided_on.isoformat(),
                    "queue": case.queue, "regime": app.get("regime"),
                    "procedure": app.get("procedure"), "transaction": app.get("transaction"),
                    "destinations": app.get("destinations"),
                    "end_user": app.get("end_user"), "consignee": app.get("consignee"),
                    "goods": app.get("goods"), "value_eur": str(domain.licence_value(app)),
                    "findings": sorted(case.doc["findings"].values(),
                                       key=lambda f: f["criterion"])}
        new = [NewEvent(ev.CASE_DECIDED, decision, occurred_at=decided_at)]
        licence = None
        if outcome == "approve" and app.get("procedure", "licence") == "licence":
            licence, more = await issue_licence(ctx, session, case, decided_at=decided_at)
            new += more
        recorded = await ctx.runtime.store.append(
            session, case.id, new, actor=who.as_actor(), expected_version=case.version)
        case.doc["decision"] = {**decision, "by": who.sub}
        case.doc["licence_number"] = licence
        await save_case(session, case, version=recorded[-1].stream_version, status="decided",
                        decided_at=decided_at, licence_number=licence)
        log.info("case %s %s by %s (correlation %s)", case.id, decision["outcome"], who.sub,
                 recorded[0].correlation_id)


async def withdraw(ctx: Context, session: AsyncSession, env: Envelope) -> None:
    """Close an open case whose application was withdrawn (inside the consumer)."""
    case_id = str(env.payload.get("application_id") or env.stream_id)
    row = (await session.execute(select(cases.c.id).where(cases.c.id == case_id))).first()
    if row is None:
        return
    case = await load_case(session, case_id)
    if case.status != "open":
        return
    reason = env.payload.get("reason")
    recorded = await ctx.runtime.store.append(
        session, case.id, [NewEvent(ev.CASE_CLOSED, {"application_id": case.id,
                                                     "reason": "withdrawn", "note": reason},
                                    occurred_at=env.occurred_at)],
        actor=SYSTEM, correlation_id=env.correlation_id, causation_id=env.event_id)
    case.doc["withdrawal"] = {"reason": reason, "at": env.occurred_at.isoformat()}
    await save_case(session, case, version=recorded[-1].stream_version, status="withdrawn")


async def consultation_opened(session: AsyncSession, env: Envelope) -> None:
    """Follow a consultation the denials service opened (inside the consumer)."""
    p = env.payload
    await _upsert_consultation(session, str(p.get("id") or env.stream_id), {
        "denial_id": str(p.get("denial_id")), "application_ref": str(p.get("application_ref")),
        "consulting_state": p.get("consulting_state"), "denying_state": p.get("denying_state"),
        "opened_at": _time(p.get("opened_at")) or env.occurred_at})


async def consultation_closed(session: AsyncSession, env: Envelope) -> None:
    """Note the outcome of a consultation (inside the consumer)."""
    p = env.payload
    await _upsert_consultation(session, str(p.get("id") or env.stream_id), {
        "denial_id": str(p.get("denial_id")), "application_ref": str(p.get("application_ref")),
        "consulting_state": p.get("consulting_state"), "denying_state": p.get("denying_state"),
        "status": "closed", "decision": p.get("decision")})


async def _upsert_consultation(session: AsyncSession, consultation_id: str,
                               values: dict[str, Any]) -> None:
    row = (await session.execute(select(consultations).where(
        consultations.c.id == consultation_id))).first()
    if row is None:
        await session.execute(insert(consultations).values(
            id=consultation_id, status=values.pop("status", "open"), **values))
        return
    # A closing event may lack fields the opening one had; keep what is known.
    keep = {k: v for k, v in values.items() if v not in (None, "None")}
    await session.execute(update(consultations).where(consultations.c.id == consultation_id)
                          .values(**keep))


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


__all__ = ["complete_screening", "consultation_closed", "consultation_opened",
           "decide", "dismiss_match", "fail_screening", "open_case", "record_finding",
           "retry_screening", "withdraw"]
