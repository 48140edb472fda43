"""The denials service: the registry of refused exports shared between states."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fastapi import FastAPI

from services.denials import sanctions_api
from services.denials.api import router
from services.denials.consumers import consumer_spec
from services.denials.db import metadata
from services.denials.domain.validity import Policy
from services.denials.handlers.registry import expire_due
from services.denials.settings import Settings
from shared.reference import load_reference
from shared.service import Runtime, create_service_app

log = logging.getLogger(__name__)

DESCRIPTION = """Partner states register, read and revoke denials here, look for denials of
essentially identical transactions, and consult each other before granting one.

Dutch denials decided in assessment are registered automatically with the state `NL`. A match
an assessor dismisses on a case in assessment (assessment's `MatchDismissed`) is recorded here
as well, as if posted to `/v1/denials/matches/dismissals` by that assessor (its own
`MatchDismissed`, once per case and denial): screenings that name the case's `application_ref`
leave the pair out, and `GET /v1/denials/matches/dismissals` shows the ruling. A partner
state sees the whole registry (never a Dutch application id) and only the consultations its
state is a party to: another state's consultation answers 404.

Extensions to contract v1: `POST /v1/denials/{id}/renew`, `POST|GET
/v1/denials/matches/dismissals`, `GET /v1/consultations/{id}`, `GET /v1/notifications`,
`registry_version`, `matcher_version` and `application_ref` on matches, validity fields on
denials, `overdue` and `answered` consultation statuses. Free text (question, answer, reasons)
may hold 4000 characters; references and names 300.

Grounds per regime: a denial carries `grounds` beside its `criteria` (codes of
shared/reference/data/refusal_grounds.json). A military denial rests on criteria 1 to 8 of
Common Position 2008/944/CFSP only; a dual-use denial on criteria or the considerations and
catch-all grounds of Regulation (EU) 2021/821 (`art15-*`, `art4-*`, `art5-human-rights`) or
both; an anti-torture denial on the grounds of Regulation (EU) 2019/125 (`annex-*`) only.
Dutch denials carry the grounds of the decision in assessment.

Aliases: the end user and the consignee of a denial, and of a screening, may carry `aliases`
(other spellings, the name in its own script: `{"name": "China North Industries Group
Corporation", "country": "CN", "aliases": ["中国北方工业集团有限公司"]}`); a screening compares
every name on both sides, the name index files every name, and a match's reason says which
names matched (`'...' (alias of '...')`). A party shows `aliases` only when it has some.

Sanctioned parties (extension): an administrator loads the EU consolidated financial sanctions
list (`POST /v1/sanctions/lists`, the FSF XML export; `GET /v1/sanctions/lists` the versions
loaded); `POST /v1/sanctions/matches` screens names against the version screened now with the
same entity resolution as denial matching; assessment screens every party of every case with
it."""


async def _expiry_loop(runtime: Runtime, policy: Policy, interval: float) -> None:
    while True:
        try:
            n = await expire_due(runtime, policy)
            if n:
                log.info("recorded expiry of %d denials", n)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next round
            log.exception("denial expiry sweep failed")
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The denials app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        ref = load_reference()
        policy = Policy(
            validity_years=settings.denial_validity_years or ref.denial_validity_years,
            consultation_days=settings.consultation_days or ref.consultation_days,
        )
        app.state.reference = ref
        app.state.policy = policy
        runtime.add_consumer(consumer_spec(runtime, policy))
        runtime.spawn(_expiry_loop(runtime, policy, settings.expiry_interval_seconds),
                      "denial-expiry")

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="denials", description=DESCRIPTION, routers=[router, sanctions_api.router],
        wire=wire, body_limits={sanctions_api.LISTS_PATH: settings.sanctions_list_max_bytes},
    )
