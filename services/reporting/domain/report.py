"""The annual report as a pure function of the facts: `build_report(year, facts, ref)`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.reporting.domain.applications import (
    VALUE_TRANSACTIONS,
    Decided,
    Reference,
    annex_of,
    category_order,
    counted_lines,
    decided_applications,
    eu_nato_plus,
    ml_category,
)
from services.reporting.domain.facts import Facts
from services.reporting.domain.money import ZERO, business_day, eur, money, pct, period_year

MILITARY_GENERAL_LICENCES = ("NL003", "NL004", "NL005", "NL006", "NL007", "NL008", "NL009")
DUAL_USE_TYPES = ("individual", "global", "intra_eu", "catch_all")
ANNEXES = ("II", "III", "IV")
UNPLACED = "Unplaced"


def _line_category(line: dict[str, Any]) -> str:
    return ml_category(line.get("rating"))


def _service_value(app: Decided) -> Decimal:
    return app.service_value


def _by_number(apps: list[Decided]) -> dict[str, Decided]:
    return {a.licence_number: a for a in apps if a.licence_number and a.approved}


def _values_row(values: dict[str, Decimal]) -> dict[str, str]:
    return {c: eur(values[c]) for c in sorted(values, key=category_order)}


def _destination_table(apps: list[Decided], licences: dict[str, Decided]) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for app in apps:
        for cat, value in counted_lines(app, licences, _line_category):
            per[app.destination][cat] += value
    totals = sorted(((sum(v.values(), ZERO), d) for d, v in per.items()),
                    key=lambda td: (-td[0], td[1]))
    return [{"destination": d, "values": _values_row(per[d]), "total_eur": eur(total)}
            for total, d in totals]


def _military(year: int, apps: list[Decided], licences: dict[str, Decided],
              ref: Reference) -> dict[str, Any]:
    decided = [a for a in apps if a.regime == "military" and a.year == year]
    value_apps = [a for a in decided if a.transaction in VALUE_TRANSACTIONS]
    by_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_region: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_country: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for app in value_apps:
        for cat, value in counted_lines(app, licences, _line_category):
            by_cat[cat] += value
            by_region[ref.region(app.destination) or UNPLACED] += value
            by_country[app.destination] += value
    total = sum(by_cat.values(), ZERO)
    approved = [a for a in decided if a.approved]
    denied = [a for a in decided if a.outcome == "denied"]
    summary = {
        "applications": len(decided), "approved": len(approved),
        "approved_nato_eu_plus": sum(1 for a in approved if eu_nato_plus(a, ref)),
        "denied": len(denied), "denial_rate_pct": pct(len(denied), len(decided)),
        "total_value_eur": eur(total),
    }
    regions = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))
    countries = sorted(((d, v) for d, v in by_country.items()
                        if d not in ("EU", "EU_NATO_PLUS", "VARIOUS") and v > 0),
                       key=lambda kv: (-kv[1], kv[0]))[:5]
    transit = [a for a in decided if a.transaction == "transit"]
    brokering = []
    for app in (a for a in decided if a.transaction == "brokering"):
        lines = counted_lines(app, licences, _line_category, value_of=_service_value)
        if not lines and (app.amends or app.purpose != "definitive" or not app.approved
                          or app.procedure != "licence"):
            continue
        brokering.append({
            "destination": app.destination, "origin": app.origin,
            "ratings": sorted({str(g.get("rating")) for g in app.goods if g.get("rating")}),
            "description": "; ".join(str(g.get("description", "")) for g in app.goods),
            "service_value_eur": eur(sum((v for _, v in lines), ZERO)),
        })
    brokering.sort(key=lambda r: (r["destination"], r["origin"], r["description"]))
    return {
        "summary": [summary],
        "by_category": [{"category": c, "value_eur": eur(by_cat[c])}
                        for c in sorted(by_cat, key=category_order)],
        "by_destination": _destination_table(value_apps, licences),
        "by_region": [{"region": r, "value_eur": eur(v), "share_pct": pct(v, total)}
                      for r, v in regions],
        "top_destinations": [{"destination": d, "value_eur": eur(v), "share_pct": pct(v, total)}
                             for d, v in countries],
        "denials": _denials(denied),
        "transit": _destination_table(transit, licences),
        "brokering": brokering,
    }


def _denials(denied: list[Decided]) -> list[dict[str, Any]]:
    rows = []
    for app in denied:
        end_user = app.end_user or {}
        recipient = (app.consignee or {}).get("name") or end_user.get("name") or ""
        rows.append({
            "destination": app.destination,
            "description": "; ".join(str(g.get("description", "")) for g in app.goods),
            "quantity": sum(int(g.get("quantity") or 0) for g in app.goods),
            "recipient": recipient, "end_user": end_user.get("name") or "",
            "decided_on": app.decided_on.isoformat(),
            "criteria": sorted(int(c) for c in app.criteria if str(c).isdigit()),
            "procedure": app.procedure,
        })
    rows.sort(key=lambda r: (r["decided_on"], r["destination"], r["description"]))
    return rows


def _general_licences(year: int, facts: Facts) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for data in _parts(facts, "realisation", "reported"):
        code = str(data.get("code"))
        if code not in MILITARY_GENERAL_LICENCES or period_year(data.get("period")) != year:
            continue
        key = (code, str(data.get("direction", "export")), str(data.get("country", "")))
        row = rows.setdefault(key, {"value": ZERO, "categories": set(), "flagged": False})
        row["value"] += money(data.get("value_eur"))
        row["categories"].update(ml_category(r) for r in data.get("ratings") or [])
        row["flagged"] = row["flagged"] or bool(data.get("flagged"))
    return [{"licence": k[0], "direction": k[1], "country": k[2], "value_eur": eur(r["value"]),
             "categories": sorted(r["categories"], key=category_order), "flagged": r["flagged"]}
            for k, r in sorted(rows.items())]


def _dual_use_type(app: Decided) -> str:
    if app.catch_all:
        return "catch_all"
    if app.transaction == "transfer":
        return "intra_eu"
    return "global" if app.licence_type == "global" else "individual"


@dataclass
class _TypeRow:
    issued: int = 0
    issued_value: Decimal = ZERO
    denied: int = 0
    denied_value: Decimal = ZERO


def _dual_use(year: int, apps: list[Decided], licences: dict[str, Decided],
              facts: Facts) -> dict[str, Any]:
    table = {t: _TypeRow() for t in DUAL_USE_TYPES}
    for app in apps:
        if (app.regime != "dual_use" or app.year != year or app.procedure != "licence"
                or app.purpose != "definitive"):
            continue
        row = table[_dual_use_type(app)]
        if app.approved:
            lines = counted_lines(app, licences, lambda _line: "value")
            if app.amends and not lines:
                continue
            row.issued += 1
            row.issued_value += sum((v for _, v in lines), ZERO)
        elif app.outcome == "denied" and not app.amends:
            row.denied += 1
            row.denied_value += app.value
    regime_of = {a.app_id: a.regime for a in apps}
    realised: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for data in _parts(facts, "shipment", "recorded"):
        regime = data.get("regime") or regime_of.get(str(data.get("application_id")))
        day = business_day(data.get("shipped_on"))
        if regime == "dual_use" and day is not None and day.year == year:
            realised[str(data.get("country"))] += money(data.get("value_eur"))
    for data in _parts(facts, "realisation", "reported"):
        code = str(data.get("code"))
        dual = data.get("regime") == "dual_use" or code.startswith("EU") or code == "NL900"
        if dual and period_year(data.get("period")) == year:
            realised[str(data.get("country"))] += money(data.get("value_eur"))
    top = sorted(realised.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "by_type": [{"type": t, "issued": r.issued, "issued_value_eur": eur(r.issued_value),
                     "denied": r.denied, "denied_value_eur": eur(r.denied_value)}
                    for t, r in table.items()],
        "top_destinations": [{"country": c, "value_eur": eur(v)} for c, v in top],
    }


@dataclass
class _AnnexRow:
    licences: set[str] = field(default_factory=set)
    value: Decimal = ZERO
    destinations: set[str] = field(default_factory=set)
    end_uses: set[str] = field(default_factory=set)


def _anti_torture(year: int, apps: list[Decided],
                  licences: dict[str, Decided]) -> list[dict[str, Any]]:
    per = {a: _AnnexRow() for a in ANNEXES}
    for app in apps:
        if app.regime != "anti_torture" or app.year != year:
            continue
        for annex, value in counted_lines(app, licences, annex_of):
            row = per.setdefault(annex, _AnnexRow())
            row.licences.add(app.app_id)
            row.value += value
            row.destinations.update(app.destinations or [app.destination])
            if app.end_use:
                row.end_uses.add(app.end_use)
    return [{"annex": a, "licences": len(r.licences), "value_eur": eur(r.value),
             "destinations": sorted(r.destinations), "end_uses": sorted(r.end_uses)}
            for a, r in per.items()]


def _fast_track(year: int, facts: Facts) -> list[dict[str, Any]]:
    rows = []
    for (kind, _key), fact in sorted(facts.items()):
        if kind != "notification" or "due" not in fact:
            continue
        due = fact["due"]["data"]
        day = business_day(due.get("decided_on"))
        if day is None or day.year != year:
            continue
        sent = fact.get("sent", {}).get("data", {})
        rows.append({"licence_number": due.get("licence_number"),
                     "destination": due.get("destination"),
                     "description": due.get("description"),
                     "value_eur": eur(money(due.get("value_eur"))),
                     "decided_on": day.isoformat(), "due_by": due.get("due_by"),
                     "sent_on": sent.get("sent_on")})
    rows.sort(key=lambda r: (r["decided_on"], str(r["licence_number"])))
    return rows


def _consultations(year: int, facts: Facts) -> list[dict[str, Any]]:
    started = received = 0
    for data in _parts(facts, "consultation", "opened"):
        day = business_day(data.get("opened_at"))
        if day is None or day.year != year:
            continue
        started += data.get("consulting_state") == "NL"
        received += data.get("denying_state") == "NL"
    return [{"started": started, "received": received}]


def _history(year: int, apps: list[Decided], licences: dict[str, Decided],
             ref: Reference) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    for app in apps:
        if app.regime != "military" or app.year > year:
            continue
        row = years.setdefault(app.year, {"applications": 0, "denied": 0, "eu": ZERO,
                                          "other": ZERO})
        row["applications"] += 1
        row["denied"] += app.outcome == "denied"
        if app.transaction in VALUE_TRANSACTIONS:
            value = sum((v for _, v in counted_lines(app, licences, _line_category)), ZERO)
            row["eu" if eu_nato_plus(app, ref) else "other"] += value
    return [{"year": y, "value_eur": eur(r["eu"] + r["other"]),
             "eu_nato_plus_value_eur": eur(r["eu"]), "other_value_eur": eur(r["other"]),
             "applications": r["applications"], "denied": r["denied"],
             "denial_rate_pct": pct(r["denied"], r["applications"])}
            for y, r in sorted(years.items())]


def _parts(facts: Facts, kind: str, part: str) -> list[dict[str, Any]]:
    return [fact[part]["data"] for (k, _key), fact in sorted(facts.items())
            if k == kind and part in fact]


def build_report(year: int, facts: Facts, ref: Reference, *, as_of: str | None = None
                 ) -> dict[str, Any]:
    """The whole annual report for `year` over the facts; the same facts give the same bytes."""
    apps = decided_applications(facts)
    licences = _by_number(apps)
    return {
        "year": year,
        "as_of": as_of,
        "currency": "EUR",
        "military": _military(year, apps, licences, ref),
        "general_licences": _general_licences(year, facts),
        "dual_use": _dual_use(year, apps, licences, facts),
        "anti_torture": _anti_torture(year, apps, licences),
        "parliament_fast_track": _fast_track(year, facts),
        "consultations": _consultations(year, facts),
        "history": _history(year, apps, licences, ref),
    }


TABLES = (
    "military.summary", "military.by_category", "military.by_destination", "military.by_region",
    "military.top_destinations", "military.denials", "military.transit", "military.brokering",
    "general_licences", "dual_use.by_type", "dual_use.top_destinations", "anti_torture",
    "parliament_fast_track", "consultations", "history",
)


def table(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """One table of a report by its dotted name; KeyError if there is none."""
    if name not in TABLES:
        raise KeyError(name)
    node: Any = doc
    for part in name.split("."):
        node = node[part]
    return list(node)
