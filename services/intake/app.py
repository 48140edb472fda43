"""The intake service: applications, general-licence usage and shipments from customs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.consumers import consumer_spec
from services.intake.db import metadata
from services.intake.settings import Settings
from shared.reference import load_reference
from shared.reference.registers import load_register
from shared.reference.sanctions import load_goods_sanctions
from shared.service import Runtime, create_service_app

DESCRIPTION = """Customs systems post applications, general-licence realisations, shipments
under licences and classification requests here. Every accepted request is recorded as an event
before it is answered; every rejection is problem+json whose `errors` name each bad field.

Extensions to contract version 1: `POST /v1/applications/{id}/withdraw`,
`GET /v1/general-licences/realisations/{id}`, `POST|GET /v1/classification-requests`;
application documents carry `value_eur` (sum of the goods), and `criteria` and `decided_at`
once decided; shipment refusals carry `reason_code`; realisations carry `checked_on`, the day
their conditions were judged on. Business times may run up to two minutes ahead of the server's
clock (callers' clocks drift); further ahead they are refused as in the future.

Further extensions: `regime` may be `national` (the Dutch national measures: ratings are x9xx
items of the national control lists valid on `received_at`) and `transaction` may be
`technical_assistance` (military, dual-use, anti-torture goods) or `import` (anti-torture goods
only). A global dual-use licence needs an internal compliance programme approved on
`received_at` in the office's register (422 naming it otherwise); `registers` on an application
or realisation name each register or list it was judged in, with the version used.
Realisations take an optional `used_on` (within the period; the conditions are judged on it),
`origin` (NL007: judged against the allies) and `recipient` (NL004: a company certified under
Directive 2009/43/EC art. 9); `flag_codes` gives one stable code per flag, in the same order:
not-registered, licence-not-valid-on-date, direction-not-covered, destination-not-covered,
origin-not-covered, unknown-country, rating-not-covered, recipient-not-certified,
catch-all-requirement, sanctioned-goods. Exporters register for a general licence
(`/v1/general-licences/{code}/registrations`, ended through
`/v1/general-licences/registrations/{id}/end`, listed per licence and per exporter at
`/v1/exporters/{eori}/registrations`); a use on a day no registration covers is flagged
not-registered. From the day assessment imposes a catch-all requirement on an exporter for a
destination until it is lifted, that exporter's realisations there are flagged and shipments
under its licences there refused (`reason_code` catch_all_requirement); a shipment of an item
an EU restrictive measure bans to its country is refused (`reason_code` sanctions), the
regulation and annex cited."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    def wire(runtime: Runtime, app: FastAPI) -> None:
        app.state.reference = load_reference()
        app.state.registers = {
            "certified_recipients": load_register("certified_recipients",
                                                  settings.certified_recipients),
            "icp_approvals": load_register("icp_approvals", settings.icp_approvals)}
        app.state.sanctions = load_goods_sanctions()
        runtime.add_consumer(consumer_spec())

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="intake", description=DESCRIPTION, routers=[router], wire=wire,
    )
