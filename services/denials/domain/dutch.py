"""Dutch denials: a case denied in assessment enters the registry as `NL`, once per destination,
with only what a partner may know of the application."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from services.denials.domain.validity import Policy, expires_on
from services.denials.ratings import normalise_rating
from shared.clock import business_date
from shared.contracts.assessment import CaseDecided
from shared.contracts.denials import DenialRegistered
from shared.contracts.intake import ApplicationSubmitted
from shared.contracts.types import Consignee, EndUser, Procedure, Regime

NETHERLANDS = "NL"
# Dutch denial ids are derived from application and destination, so a replay finds its own.
NL_DENIALS = uuid.UUID("6b1f7a52-4c1e-4d8e-9a57-2f1d0c3e8b11")


class KeptGoods(BaseModel):
    """One goods line, as much of it as a denial notification tells."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    description: str | None = None
    rating: str | None = None
    quantity: int | None = None


class DutchApplication(BaseModel):
    """The few fields of a submitted Dutch application its denials need; the rest stays in
    intake, and none of it is shown."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    reference: str
    regime: Regime | None = None
    procedure: Procedure = "licence"
    destinations: list[str] = []
    consignee: Consignee | None = None
    end_user: EndUser | None = None
    goods: list[KeptGoods] = []


def kept(submitted: ApplicationSubmitted) -> DutchApplication:
    """What the registry keeps of an application submitted in intake."""
    return DutchApplication(
        id=submitted.id, reference=submitted.reference, regime=submitted.regime,
        procedure=submitted.procedure, destinations=list(submitted.destinations),
        consignee=submitted.consignee, end_user=submitted.end_user,
        goods=[KeptGoods(description=g.description, rating=g.rating, quantity=g.quantity)
               for g in submitted.goods])


def nl_denials(app: DutchApplication, decided: CaseDecided, *,
               policy: Policy) -> list[DenialRegistered]:
    """The denial notifications of a decided Dutch application: one per destination when it
    was denied (with the criteria and grounds the decision rests on), none when approved."""
    if decided.outcome != "denied" or app.end_user is None:
        return []
    ratings = [normalise_rating(g.rating) for g in app.goods]
    description = "; ".join(g.description for g in app.goods if g.description)
    # A private person keeps their type and data subject id: the name is sealed under it.
    end_user = EndUser(name=app.end_user.name, country=app.end_user.country,
                       type="private" if app.end_user.type == "private" else None,
                       subject=app.end_user.subject if app.end_user.type == "private" else None)
    consignee = (Consignee(name=app.consignee.name, country=app.consignee.country,
                           type="private" if app.consignee.type == "private" else None,
                           subject=(app.consignee.subject if app.consignee.type == "private"
                                    else None))
                 if app.consignee and app.consignee.name else None)
    denied_on = business_date(decided.decided_at)
    # A denial without any rating is indexed under the key of "no rating" (catch-all goods).
    known: list[str | None] = [r for r in sorted({r for r in ratings if r})]
    return [DenialRegistered(
        id=str(uuid.uuid5(NL_DENIALS, f"{app.id}:{destination}")), state=NETHERLANDS,
        reference=app.reference, denied_on=denied_on,
        regime=app.regime or "military", procedure=app.procedure,
        destination=destination, consignee=consignee, end_user=end_user,
        goods_description=description[:300], rating=next((r for r in ratings if r), None),
        ratings=known or [None], quantity=sum(g.quantity or 0 for g in app.goods) or None,
        criteria=sorted(int(c) for c in decided.criteria), grounds=sorted(set(decided.grounds)),
        application_id=app.id,
        expires_on=expires_on(denied_on, policy.validity_years),
    ) for destination in app.destinations or [end_user.country] if destination]
