"""Assessment's rules as pure functions: routing, screening, decisions, licences, fast-track.

No FastAPI, SQLAlchemy or NATS here: the reference data comes in as an argument, so every rule
can be judged at a past date and tested from a table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.reference import ReferenceData, UnknownRegime

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GROUPS = ("EU", "EU_NATO_PLUS")
MUSEUM = re.compile(r"\bmuse(um|a|ums)\b", re.IGNORECASE)
LICENCE_PREFIX = {"military": "ML", "dual_use": "DU", "anti_torture": "AT"}


class DomainError(Exception):
    """A command the rules refuse; `status` says how the API answers it."""

    status = 409
    kind = "conflict"

    def __init__(self, detail: str, *, kind: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind or type(self).kind
        self.extra = extra


class NotAllowed(DomainError):
    """The caller's role may not do this to this case."""

    status = 403
    kind = "forbidden"


class InvalidCommand(DomainError):
    """The command contradicts itself or the case (a 422)."""

    status = 422
    kind = "invalid-command"


class ApprovalBlocked(DomainError):
    """An approval waits for a consultation obligation or a prohibition."""

    kind = "approval-blocked"


def business_date(moment: dt.datetime) -> dt.date:
    """The calendar date of a business time in Europe/Amsterdam."""
    return moment.astimezone(AMSTERDAM).date()


# -- routing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """Who decides a case, by which rule, judged on which date with which reference data."""

    queue: str
    rule: str
    explanation: str
    judged_on: dt.date
    reference_version: str


def _group_members(ref: ReferenceData, group: str, on: dt.date) -> frozenset[str]:
    if group == "EU":
        return ref.members("EU", on)
    return ref.members("EU", on) | ref.members("NATO", on) | ref.members("NATO_PLUS_EXTRA", on)


def _countries(ref: ReferenceData, app: Mapping[str, Any], on: dt.date) -> list[str]:
    """Every destination country, a destination group standing for all its members."""
    found = [d for d in app.get("destinations") or [] if d not in GROUPS]
    for group in [app.get("destination_group"), *[d for d in app.get("destinations") or []
                                                   if d in GROUPS]]:
        if group in GROUPS:
            found += sorted(_group_members(ref, group, on))
    return list(dict.fromkeys(found))


def route(app: Mapping[str, Any], ref: ReferenceData) -> Routing:
    """Route an application (or sondage) to the CDIU or the MFA, as on its received date."""
    on = business_date(dt.datetime.fromisoformat(str(app["received_at"])))
    regime = app["regime"]
    countries = _countries(ref, app, on)
    if regime == "military":
        queue, rule, why = _route_military(ref, app, on)
    elif regime == "dual_use":
        queue, rule, why = _route_dual_use(ref, app, countries, on)
    elif regime == "anti_torture":
        queue, rule, why = _route_anti_torture(ref, countries, on)
    else:
        queue, rule, why = "mfa", "unknown_regime", f"unknown regime {regime!r}: the MFA decides"
    return Routing(queue=queue, rule=rule, explanation=why, judged_on=on,
                   reference_version=ref.version)


def _route_military(ref: ReferenceData, app: Mapping[str, Any], on: dt.date
                    ) -> tuple[str, str, str]:
    # A destination group (EU, EU_NATO_PLUS) is by definition recipients inside EU/NATO/NATO+:
    # routine for the CDIU; named countries are judged one by one.
    countries = [d for d in app.get("destinations") or [] if d not in GROUPS]
    exceptions = [c for c in countries if ref.is_cdiu_exception(c, on)]
    if exceptions:
        return ("mfa", "military.cdiu_exception",
                f"{', '.join(exceptions)} always go to the MFA (CDIU work-instruction exception)")
    outside = [c for c in countries if not ref.is_nato_plus(c, on)]
    if outside:
        return ("mfa", "military.outside_nato_plus",
                f"{', '.join(outside)} outside the EU, NATO and NATO+ on {on}")
    if not countries:
        return ("cdiu", "military.destination_group",
                "a destination group of EU/NATO+ recipients: CDIU work instruction")
    basis = "; ".join(f"{c}: {_memberships(ref, c, on)}" for c in countries)
    return ("cdiu", "military.nato_plus",
            f"every destination in the EU, NATO or NATO+ on {on} ({basis}): CDIU work "
            "instruction")


def _memberships(ref: ReferenceData, code: str, on: dt.date) -> str:
    groups = [name for name, test in (("EU", ref.is_eu), ("NATO", ref.is_nato)) if test(code, on)]
    if ref.in_group("NATO_PLUS_EXTRA", code, on):
        groups.append("NATO+")
    return ", ".join(groups)


def _route_dual_use(ref: ReferenceData, app: Mapping[str, Any], countries: Sequence[str],
                    on: dt.date) -> tuple[str, str, str]:
    if app.get("catch_all"):
        return ("mfa", "dual_use.catch_all", "a catch-all case is politically sensitive")
    embargoed = [c for c in countries if ref.embargo(c, on)]
    if embargoed:
        return ("mfa", "dual_use.embargo",
                f"{', '.join(embargoed)} under an arms embargo: politically sensitive")
    for line in app.get("goods") or []:
        rating = line.get("rating")
        if not rating:
            return ("mfa", "dual_use.unrated", "a goods line without a rating")
        try:
            regime = ref.controlling_regime(rating)
            members = ref.regime_members(regime, on)
        except (ValueError, UnknownRegime):
            return ("mfa", "dual_use.no_regime",
                    f"{rating} is not controlled by a regime with a member list")
        outside = [c for c in countries if c not in members]
        if outside:
            return ("mfa", "dual_use.outside_regime",
                    f"{', '.join(outside)} not in {regime}, which controls {rating}")
    return ("cdiu", "dual_use.regime_member",
            "every destination belongs to the regime controlling each rating")


def _route_anti_torture(ref: ReferenceData, countries: Sequence[str], on: dt.date
                        ) -> tuple[str, str, str]:
    keeping = [c for c in countries if ref.keeps_death_penalty(c, on)]
    if keeping:
        return ("mfa", "anti_torture.death_penalty",
                f"{', '.join(keeping)} keep the death penalty on {on}")
    return ("cdiu", "anti_torture.abolitionist", "no destination keeps the death penalty")


# -- screening -----------------------------------------------------------------------------------


@dataclass
class LocalScreening:
    """What screening finds without the denials registry."""

    embargoes: list[dict[str, Any]] = field(default_factory=list)
    proposed_findings: list[dict[str, Any]] = field(default_factory=list)
    prohibited: list[dict[str, Any]] = field(default_factory=list)
    general_licence_hints: list[dict[str, Any]] = field(default_factory=list)


def screen_locally(app: Mapping[str, Any], ref: ReferenceData) -> LocalScreening:
    """Embargoes, Annex II prohibitions and general licences that would cover the transaction."""
    on = business_date(dt.datetime.fromisoformat(str(app["received_at"])))
    out = LocalScreening()
    for country in _countries(ref, app, on):
        entry = ref.embargo_entry(country, on)
        if entry is None:
            continue
        full = entry.kind == "full"
        out.embargoes.append({"country": country, "kind": entry.kind, "source": entry.source,
                              "reason": entry.reason,
                              "action": "criterion_1_proposed" if full else "flag"})
        if full:
            out.proposed_findings.append({"criterion": 1, "finding": "refusal_ground",
                                          "note": entry.reason})
    museum = bool(MUSEUM.search(str(app.get("end_use") or "")))
    for line in app.get("goods") or []:
        if line.get("annex") == "II" or str(line.get("rating") or "").startswith("II."):
            out.prohibited.append({"rating": line.get("rating"),
                                   "description": line.get("description"),
                                   "museum_exception": museum,
                                   "reason": "Annex II anti-torture goods are prohibited"
                                             + (" (museum display stated)" if museum else "")})
    out.general_licence_hints = _general_licence_hints(app, ref, on)
    return out


def _general_licence_hints(app: Mapping[str, Any], ref: ReferenceData, on: dt.date
                           ) -> list[dict[str, Any]]:
    regime = app.get("regime")
    ratings = [g["rating"] for g in app.get("goods") or [] if g.get("rating")]
    destinations = [d for d in app.get("destinations") or [] if d not in GROUPS]
    if regime not in ("military", "dual_use") or not destinations or not ratings:
        return []
    origins = app.get("origins") or []
    hints = []
    for code in ref.general_licence_codes():
        licence = ref.general_licence(code)
        if licence.regime != regime:
            continue
        try:
            flags = []
            for dest in destinations:
                if licence.country_role == "origin":
                    for origin in origins or [None]:
                        flags += (["no origin"] if origin is None else ref.check_general_licence(
                            code, direction=app["transaction"], country=origin,
                            destination=dest, ratings=ratings, on=on))
                else:
                    flags += ref.check_general_licence(code, direction=app["transaction"],
                                                       country=dest, ratings=ratings, on=on)
        except (ValueError, LookupError):
            continue
        if not flags:
            hints.append({"code": code, "covers": licence.covers,
                          "note": "the transaction seems to fall under this general licence"})
    return hints


def match_requests(app: Mapping[str, Any], on: dt.date) -> list[dict[str, Any]]:
    """The denials match queries for an application: one per destination and goods line."""
    end_user = app.get("end_user") or {}
    consignee = app.get("consignee")
    queries = []
    # A destination group names no country a denial could be about; it is not queried.
    for dest in [d for d in app.get("destinations") or [] if d not in GROUPS]:
        for line in app.get("goods") or []:
            query: dict[str, Any] = {
                "destination": dest,
                "end_user": {"name": end_user.get("name"), "country": end_user.get("country")},
                "rating": line.get("rating"),
                "goods_description": line.get("description"),
                "on": on.isoformat(),
                "application_ref": app.get("reference"),
            }
            if consignee:
                query["consignee"] = {"name": consignee.get("name"),
                                      "country": consignee.get("country")}
            queries.append(query)
    return queries


def merge_matches(results: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One entry per denial, keeping its best score, best first."""
    best: dict[str, dict[str, Any]] = {}
    for matches in results:
        for m in matches:
            denial_id = str(m["denial_id"])
            if denial_id not in best or float(m.get("score") or 0) > float(
                    best[denial_id].get("score") or 0):
                best[denial_id] = {"denial_id": denial_id, "state": m.get("state"),
                                   "score": m.get("score"), "reasons": list(m.get("reasons") or [])}
    return sorted(best.values(), key=lambda m: -float(m.get("score") or 0))


# -- decisions -----------------------------------------------------------------------------------


QUEUE_ROLE = {"cdiu": "assessor", "mfa": "mfa"}


def check_decider(queue: str, roles: Sequence[str]) -> None:
    """Only `assessor` decides CDIU cases and only `mfa` decides MFA cases."""
    needed = QUEUE_ROLE[queue]
    if needed not in roles:
        raise NotAllowed(f"{queue.upper()} cases are decided by the role {needed!r}")


def check_decidable(case: Mapping[str, Any], *, outcome: str, decided_at: dt.datetime,
                    now: dt.datetime) -> None:
    """A case is decided once, while open, at a plausible time, and approved only on a
    screening that ran; a failed screening still allows a denial."""
    status = case["status"]
    if status != "open":
        raise DomainError(f"the case is {status}; it cannot be decided again",
                          kind="case-closed")
    screening = case.get("screening") or {}
    if screening.get("status") == "failed":
        if outcome != "deny":
            failure = screening.get("failure") or {}
            case_id = (case.get("application") or {}).get("id", "{id}")
            raise DomainError(
                f"screening failed ({failure.get('reason')}); a case is never approved on a "
                "screening that did not run: re-run it once the cause is fixed (POST "
                f"/v1/cases/{case_id}/screening/retry), or deny the case",
                kind="screening-failed", failure=failure)
    elif screening.get("status") != "completed":
        raise DomainError("screening is pending (the denials registry was not consulted yet); "
                          "a case is never decided on a screening that did not run",
                          kind="screening-pending")
    if decided_at > now:
        raise InvalidCommand("decided_at lies in the future")
    received = dt.datetime.fromisoformat(str(case["application"]["received_at"]))
    if decided_at < received:
        raise InvalidCommand(f"decided_at lies before the application was received ({received})")


def approval_blockers(case: Mapping[str, Any], consultations: Sequence[Mapping[str, Any]]
                      ) -> list[dict[str, Any]]:
    """Undismissed matched denials whose consultation has no outcome yet."""
    dismissed = {d["denial_id"] for d in case.get("dismissals") or []}
    blockers = []
    for match in case.get("screening", {}).get("denial_matches") or []:
        denial_id = match["denial_id"]
        if denial_id in dismissed:
            continue
        on_denial = [c for c in consultations if c["denial_id"] == denial_id]
        if any(c["status"] == "closed" for c in on_denial):
            continue
        blockers.append({"denial_id": denial_id, "state": match.get("state"),
                         "consultations": [c["id"] for c in on_denial],
                         "consultation_status": "open" if on_denial else "not_opened"})
    return blockers


def check_approvable(case: Mapping[str, Any], consultations: Sequence[Mapping[str, Any]]) -> None:
    """Refuse an approval blocked by a consultation obligation or an Annex II prohibition."""
    blockers = approval_blockers(case, consultations)
    if blockers:
        parts = []
        for b in blockers:
            if b["consultations"]:
                parts.append(f"denial {b['denial_id']} ({b['state']}): consultation "
                             f"{', '.join(b['consultations'])} has no outcome yet")
            else:
                parts.append(f"denial {b['denial_id']} ({b['state']}): no consultation opened; "
                             "consult the denying state or dismiss the match with a reason")
        raise ApprovalBlocked("approval waits for the consultation obligation: "
                              + "; ".join(parts), blockers=blockers,
                              denial_ids=[b["denial_id"] for b in blockers],
                              consultation_ids=[c for b in blockers for c in b["consultations"]])
    prohibited = [p for p in case.get("screening", {}).get("prohibited") or []
                  if not p.get("museum_exception")]
    if prohibited:
        raise ApprovalBlocked("Annex II anti-torture goods are prohibited (only display in a "
                              "museum is exempt)", prohibited=prohibited)


# -- licences ------------------------------------------------------------------------------------


def licence_prefix(regime: str, year: int) -> str:
    """`NL-ML-2024`: the part of a licence number before its sequence."""
    return f"NL-{LICENCE_PREFIX[regime]}-{year}"


def licence_number(prefix: str, sequence: int) -> str:
    """`NL-ML-2024-000123`."""
    return f"{prefix}-{sequence:06d}"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity(decided_on: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """Valid from the decision date up to the day before its `years`-th anniversary (inclusive)."""
    return decided_on, add_years(decided_on, years) - dt.timedelta(days=1)


LICENCE_TRANSITIONS = {
    "suspend": ({"active"}, "suspended", "LicenceSuspended"),
    "reinstate": ({"suspended"}, "active", "LicenceReinstated"),
    "revoke": ({"active", "suspended"}, "revoked", "LicenceRevoked"),
}


def licence_transition(action: str, status: str) -> tuple[str, str]:
    """The new status and event type of a licence action, or a DomainError."""
    allowed, new_status, event = LICENCE_TRANSITIONS[action]
    if status not in allowed:
        raise DomainError(f"a {status} licence cannot be {new_status}")
    return new_status, event


# -- parliament fast-track -----------------------------------------------------------------------


def fast_track(app: Mapping[str, Any], ref: ReferenceData, *, decided_on: dt.date,
               threshold: Decimal, days: int) -> dict[str, Any] | None:
    """The notification due for a new licence, or None when the fast-track does not apply."""
    if app.get("regime") != "military" or app.get("procedure", "licence") != "licence":
        return None
    if app.get("purpose", "definitive") != "definitive" or app.get("amends"):
        return None
    if app.get("transaction") not in ("export", "transfer"):
        return None
    goods = app.get("goods") or []
    if not any(g.get("complete_system") for g in goods):
        return None
    value = licence_value(app)
    if value <= threshold:
        return None
    outside = [d for d in app.get("destinations") or []
               if d not in GROUPS and not ref.is_nato_plus(d, decided_on)]
    if not outside:
        return None
    description = "; ".join(str(g.get("description")) for g in goods if g.get("complete_system"))
    return {"destination": outside[0], "destinations": outside, "description": description,
            "value_eur": str(value), "decided_on": decided_on.isoformat(),
            "due_by": (decided_on + dt.timedelta(days=days)).isoformat()}


def licence_value(app: Mapping[str, Any]) -> Decimal:
    """The licence value: the sum of the goods lines."""
    if app.get("value_eur") is not None:
        return Decimal(str(app["value_eur"]))
    return sum((Decimal(str(g.get("value_eur") or "0")) for g in app.get("goods") or []),
               Decimal("0"))
