"""Routing: who decides a case (the CDIU or the MFA), by which rule of the work instruction,
judged on the application's received date with the reference data valid then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shared.clock import business_date
from shared.contracts.assessment import CaseApplication, DestinationPolicy
from shared.reference import ReferenceData, UnknownRegime
from shared.reference.policies import DestinationPolicies

GROUPS = ("EU", "EU_NATO_PLUS")


@dataclass(frozen=True)
class Routing:
    """Who decides a case, by which rule, judged on which date with which reference data."""

    queue: str
    rule: str
    explanation: str
    judged_on: dt.date
    reference_version: str
    policy: DestinationPolicy | None = None


def received_on(app: CaseApplication) -> dt.date:
    """The business date an application was received: the date every rule judges it on."""
    return business_date(app.received_at)


def named_destinations(app: CaseApplication) -> list[str]:
    """The destinations that are countries (a destination group names none)."""
    return [d for d in app.destinations if d not in GROUPS]


def _group_members(ref: ReferenceData, group: str, on: dt.date) -> frozenset[str]:
    if group == "EU":
        return ref.members("EU", on)
    return ref.members("EU", on) | ref.members("NATO", on) | ref.members("NATO_PLUS_EXTRA", on)


def destination_countries(ref: ReferenceData, app: CaseApplication, on: dt.date) -> list[str]:
    """Every destination country, a destination group standing for all its members."""
    found = named_destinations(app)
    for group in [app.destination_group, *[d for d in app.destinations if d in GROUPS]]:
        if group in GROUPS:
            found += sorted(_group_members(ref, group, on))
    return list(dict.fromkeys(found))


def route(app: CaseApplication, ref: ReferenceData, *,
          policies: DestinationPolicies | None = None,
          requirements: Sequence[str] = ()) -> Routing:
    """Route an application (or sondage) to the CDIU or the MFA, as on its received date.

    A case under a catch-all requirement (`requirements`, their ids) goes to the MFA; a
    destination with a policy of its own on that date is recorded with the routing.
    """
    on = received_on(app)
    countries = destination_countries(ref, app, on)
    if requirements:
        queue, rule, why = ("mfa", "catch_all.requirement",
                            f"catch-all requirement {', '.join(requirements)} imposed on the "
                            "exporter covers this application: politically sensitive")
    elif app.regime == "military":
        queue, rule, why = _route_military(ref, app, on)
    elif app.regime == "dual_use":
        queue, rule, why = _route_dual_use(ref, app, countries, on)
    elif app.regime == "anti_torture":
        # Import, transit and technical assistance are judged like an export: on where the
        # goods go and what may be done with them there.
        queue, rule, why = _route_anti_torture(ref, countries, on)
    elif app.regime == "national":
        queue, rule, why = _route_national(ref, countries, on)
    else:
        queue, rule, why = ("mfa", "unknown_regime",
                            f"no routing rule for the {app.regime} regime: the MFA decides")
    return Routing(queue=queue, rule=rule, explanation=why, judged_on=on,
                   reference_version=ref.version,
                   policy=destination_policy(policies, app, on) if policies else None)


def destination_policy(policies: DestinationPolicies, app: CaseApplication,
                       on: dt.date) -> DestinationPolicy | None:
    """The policy of the first named destination that has one on `on`."""
    for country in named_destinations(app):
        policy = policies.on(country, on)
        if policy is not None:
            return DestinationPolicy(
                code=policy.code, destination=policy.destination,
                accelerated=policy.accelerated,
                parliament="periodic_letters" if policy.parliament == "periodic_letters"
                else "fast_track", source=policy.source, version=policies.version)
    return None


def _route_national(ref: ReferenceData, countries: Sequence[str], on: dt.date
                    ) -> tuple[str, str, str]:
    # The Dutch national measures: routine for the CDIU to allies not under an embargo.
    outside = [c for c in countries if not ref.is_nato_plus(c, on) or ref.embargo(c, on)]
    if outside:
        return ("mfa", "national.other",
                f"{', '.join(outside)} outside the EU, NATO and NATO+ or under an arms embargo "
                f"on {on}: national measures")
    return ("cdiu", "national.nato_plus",
            f"every destination in the EU, NATO or NATO+ and under no embargo on {on}: "
            "national measures")


def _route_military(ref: ReferenceData, app: CaseApplication, on: dt.date
                    ) -> tuple[str, str, str]:
    # A destination group (EU, EU_NATO_PLUS) is by definition recipients inside EU/NATO/NATO+:
    # routine for the CDIU; named countries are judged one by one.
    countries = named_destinations(app)
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


def _route_dual_use(ref: ReferenceData, app: CaseApplication, countries: Sequence[str],
                    on: dt.date) -> tuple[str, str, str]:
    if app.catch_all:
        return ("mfa", "dual_use.catch_all", "a catch-all case is politically sensitive")
    embargoed = [c for c in countries if ref.embargo(c, on)]
    if embargoed:
        return ("mfa", "dual_use.embargo",
                f"{', '.join(embargoed)} under an arms embargo: politically sensitive")
    for line in app.goods:
        rating = line.rating
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
