"""The assessment service: routing, screening, findings, decisions and licences."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.assessment.api import routers
from services.assessment.consumers import denials_consumer, intake_consumer
from services.assessment.db import metadata
from services.assessment.handlers.context import Context
from services.assessment.screening import DenialsClient, Screener
from services.assessment.settings import Settings
from shared.reference import load_reference
from shared.service import Runtime, create_service_app

DESCRIPTION = """Assessors at the customs licensing office (CDIU, role `assessor`) and the Ministry
of Foreign Affairs (role `mfa`) work cases here. Each application becomes a case once intake's
`ApplicationSubmitted` arrives: it is routed to the CDIU or the MFA by the rules of the work
instruction, judged with the reference data valid on the application's `received_at` (the case
records the rule and the reference data version), and screened for embargoes, Annex II goods,
general licences and earlier denials (via the denials service's match API).

Screening states (`screening.status`, also `screening_status` in lists):
- `pending`: the denials registry was not consulted yet, or is unreachable (connection error,
  408, 425, 429, 5xx) and is retried with backoff; `screening.last_error` says why. The case
  cannot be decided.
- `completed`: the registry answered; `denial_matches` may oblige a consultation.
- `failed`: the registry refused the query for good (any other 4xx, e.g. 422 for a field it
  refuses, 401/403 for a service token it does not accept), recorded as `ScreeningFailed`.
  It is not retried by itself: `screening.failure` (and `last_error`) holds the reason, the
  status and the registry's problem detail. Approval answers 409 (`screening-failed`); a
  denial is still possible. Once the cause is fixed, `POST /v1/cases/{id}/screening/retry`
  puts it back to `pending`.

Extensions to contract version 1 (all additive):
- `GET /v1/cases` items and `GET /v1/cases/{id}` carry `version` (also the `ETag`), `routing`,
  `screening` (`status`, `embargoes`, `denial_matches`, `general_licence_hints`, `prohibited`,
  `proposed_findings`), `consultation` (`blocked`, `blockers`, `consultations`), `findings`,
  `dismissals`, `decision`, `outcome`.
- `POST /v1/cases/{id}/findings` `{criterion, finding: pass|concern|refusal_ground, note}` and
  `POST /v1/cases/{id}/dismissals` `{denial_id, reason}`: same roles as deciding the case;
  both honour `If-Match`. A dismissal (event `MatchDismissed`) reaches the denials service,
  which records it too, so its screenings leave the pair out for this case. A dismissal
  ruled directly in the denials registry (its `MatchDismissed`, naming the case by
  `application_id` or else `application_ref`) is recorded on the case the same way, with the
  registry's actor and `via: "denials"` in `dismissals`: approval no longer waits for that
  match. Once per case and denial: the registry's mirror of a dismissal made here, a pair
  already dismissed, a decided or withdrawn case and an unknown case are left alone.
- `POST /v1/cases/{id}/screening/retry` (roles `assessor`, `mfa`): re-run a failed screening;
  `202` with the case. `GET /v1/cases?screening=pending|completed|failed` filters by it.
- `POST /v1/cases/{id}/decision` answers 409 with `denial_ids`, `consultation_ids` and
  `blockers` when an approval waits for a consultation; 403 names the role that decides the
  queue; `decided_at` may not lie in the future nor before `received_at`.
- `GET /v1/licences/{licence_number}` and `POST /v1/licences/{licence_number}/reinstate`.
  Licence numbers are `NL-<ML|DU|AT>-<year>-<nnnnnn>`; `valid_until` is the last valid day.
- `GET /v1/classification-requests?status=open|answered` and
  `POST /v1/classification-requests/{id}/answer` `{rating | null, controlled, note}`.
- `POST /v1/parliament-notifications/{id}/sent` takes an optional `{sent_on}` (default today).
"""


def create_app(settings: Settings | None = None, *,
               denials_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The assessment app for these settings (read from the environment when omitted).

    `denials_transport` lets tests point screening at an in-process denials app.
    """
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        ctx = Context(runtime=runtime, ref=load_reference(), settings=settings)
        screener = Screener(ctx, DenialsClient(settings, denials_transport))
        app.state.assessment = ctx
        app.state.screener = screener

        def after_commit() -> None:
            runtime.relay.wake()
            screener.wake()

        runtime.add_consumer(intake_consumer(ctx, after_commit))
        runtime.add_consumer(denials_consumer(ctx, runtime.relay.wake))
        runtime.spawn(screener.run(), "screener")

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="assessment", description=DESCRIPTION, routers=routers, wire=wire,
    )
