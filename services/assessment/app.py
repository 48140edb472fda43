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
from shared.reference.grounds import load_refusal_grounds
from shared.reference.policies import load_destination_policies
from shared.reference.sanctions import load_goods_sanctions
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
- Sanctioned parties: screening also asks the denials service (`POST /v1/sanctions/matches`)
  about every party (the applicant, `broker` on a brokering application, the consignee, the
  end user) against the EU financial sanctions list loaded there; hits are recorded in
  `ScreeningCompleted.sanctioned_parties` with the list version. `GET /v1/cases/{id}` shows
  `sanctioned_parties` (each with its `dismissal`), `sanctions_dismissals` and
  `sanctions_blocked`. An undismissed hit refuses approval (409 `sanctioned-party`, naming the
  party and the listed entity) until the case's queue role rules it out with a reason:
  `POST /v1/cases/{id}/sanctions-hits/{entity_id}/dismissal` `{reason}` (event
  `SanctionsHitDismissed`, honours `If-Match`).
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
  Licence numbers are `NL-<ML|DU|AT|NM>-<year>-<nnnnnn>`; `valid_until` is the last valid day.
- `GET /v1/classification-requests?status=open|answered` and
  `POST /v1/classification-requests/{id}/answer` `{rating | null, controlled, note}`.
- `POST /v1/parliament-notifications/{id}/sent` takes an optional `{sent_on, explanation,
  letter_reference}` (`sent_on` defaults to today; the fast-track is sent "with an
  explanation": give it).

Extensions of this round (issues 11 and 12, all additive):
- Grounds per regime: `POST /v1/cases/{id}/decision` takes `grounds` beside `criteria`. A
  military denial rests on the criteria 1 to 8 alone (no grounds); a dual-use denial (and one
  under the national measures) on the criteria or the grounds `art15-sanctions`,
  `art15-security-policy`, `art15-end-use-diversion`, `art4-wmd`,
  `art4-military-end-use-embargo`, `art5-human-rights`, or both; an anti-torture denial on
  `annex-ii-prohibited`, `annex-iii-torture` or `annex-iv-capital-punishment` alone (no
  criteria). Labels and sources: `shared/reference/data/refusal_grounds.json`. The decision
  (`CaseDecided.grounds`) and the case view show them.
- Referral and advice: `POST /v1/cases/{id}/referral` (role `assessor`, an open CDIU case)
  `{reason}` moves the case to the MFA's queue (`CaseReferred`); `POST /v1/cases/{id}/advice`
  (role `mfa`) `{position: positive|negative, criteria, grounds, note}` records the MFA's
  foreign-policy advice (`AdviceRecorded`), which the decision cites (`decision.advice`). The
  case view has `queue_history` (each routing and referral, with time, actor and reason) and
  `advice`.
- Destination policies (`shared/reference/data/destination_policies.json`, dated; Ukraine
  since 2022-02-24): the routing records the policy (`routing.policy`); an accelerated case is
  marked (`accelerated` in lists and the view) and `GET /v1/cases` lists the accelerated open
  cases first, then every other case by opening (for every filter, so the assessors' queue
  starts with them). A decided case has `decision_time_hours`, from the application's
  `received_at` to the decision's `decided_at`. A licence that meets the fast-track's
  conditions to a destination whose policy informs parliament by periodic letters is due in a
  letter (`ParliamentNotificationDue` v2 `kind: "periodic_letter"`, `due_by: null`, never
  overdue); notification items have `kind`, `explanation`, `letter_reference`.
  `POST /v1/parliament-letters` (role `mfa`) `{reference, sent_on, destination,
  licence_numbers, note}` records the letter (`ParliamentLetterSent`, its own stream) and sends
  the waiting notice of every listed licence (`ParliamentNotificationSent` with the letter's
  reference); `GET /v1/parliament-letters` lists them.
- Routing: the `national` regime (`national.nato_plus` to the CDIU when every destination is in
  the EU, NATO or NATO+ and under no arms embargo, else `national.other` to the MFA; licence
  numbers `NL-NM-<year>-<nnnnnn>`); `technical_assistance` is routed as its regime's export;
  anti-torture `import` and `transit` as anti-torture exports. Screening applies to them all.
- Catch-all requirements: `POST /v1/catch-all-requirements` (roles `assessor`, `mfa`)
  `{regime, exporter: {name, eori}, goods_description, destination, end_user_name, ground,
  note, imposed_on}` answers 201; `POST /v1/catch-all-requirements/{id}/lift` `{lifted_on,
  reason}`; `GET /v1/catch-all-requirements?active=true|false`. An application of that
  exporter (EORI) in that regime to that destination, or for that end user, received while the
  requirement holds opens a catch-all case: `CaseOpened.catch_all_requirements` names them,
  the routing rule is `catch_all.requirement` (MFA), and the decision and licence carry
  `catch_all: true`.
- Sanctions on goods (`shared/reference/data/goods_sanctions.json`, dated and versioned:
  Russia, Belarus, Iran): screening lists the hits on the received date in
  `screening.sanctions` (regulation, annex, item, version); a hit blocks approval with 409
  `sanctions` naming the regulation (`regulations`, `sanctions`); a denial stays possible.
- Investigations: `POST /v1/investigations` (roles `assessor`, `mfa`) `{subject_kind:
  realisation|shipment|case, subject_id, reason, referred_on, authority}` answers 201;
  `POST /v1/investigations/{id}/outcome` `{outcome: no_action|warning|fine|prosecution, note,
  concluded_on}`; `GET /v1/investigations?status=open|closed`, an open one with `age_days`.
- `POST /v1/licences/{licence_number}/confidential` (roles `assessor`, `mfa`) `{release_on,
  reason}`: the licence is withheld from public reports until `release_on`
  (`LicenceMarkedConfidential`); the licence view shows `confidential`.
"""


def create_app(settings: Settings | None = None, *,
               denials_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The assessment app for these settings (read from the environment when omitted).

    `denials_transport` lets tests point screening at an in-process denials app.
    """
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        ctx = Context(runtime=runtime, ref=load_reference(), settings=settings,
                      policies=load_destination_policies(), sanctions=load_goods_sanctions(),
                      grounds=load_refusal_grounds())
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
