"""The reporting service: the annual report, rebuilt from the event log.

It records no events of its own: its runtime has no event store and no outbox relay, only the
consumer of the whole log (see db.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reporting.api import router
from services.reporting.consumers import consumer_spec
from services.reporting.db import metadata
from services.reporting.handlers.rebuild import Rebuilder
from services.reporting.settings import Settings
from services.reporting.sources import load_sources
from shared.reference import load_reference
from shared.service import Runtime, create_service_app

DESCRIPTION = """The report team and parliament read the annual report here; it is built by
replaying every service's events into projections.

**Methodology** (domain brief, "The annual report"): licence value, not shipments; the year of
the decision (Europe/Amsterdam); temporary exports and returns after repair left out; an
extension or replacement counts only its increase over the licence it amends (nothing when that
licence is not held). Percentages are computed at read time, rounded half up to two decimals,
and rendered as decimal strings like amounts.

**Extensions to the contract**: `?format=json|csv|html`, `?table=` for CSV (unknown names answer
404 naming the table and listing the known ones); tables `military.top_destinations` (top five
countries) and `history` (value per year split EU/NATO+ versus other, and the denial rate per
year: the published series of earlier years from 2000, each row with its `source`, then the
years the log holds, which override the published ones; the packaged series is illustrative
until the record's figures are put in `services/reporting/data/history.csv`);
`military.denials` rows carry `procedure` (sondages are counted) and `grounds` (refusal ground
codes beside the criteria), as do `dual_use.denials` and `anti_torture_denials` (top level:
`anti_torture` is a table itself); `general_licences` rows carry `flag_codes` and
`flag_reasons` (why a row is flagged) and `general_licences_totals` has one row per licence;
`national` counts the national measures' licences, which no dual-use table counts (nor NL900's
uses); `parliament_fast_track` lists fast-track notices only, and `parliament.documents` is the
register of documents sent to parliament (fast-track notices with their explanation, periodic
letters with the licences they report, the Ministry of Defence's notices before a surplus
sale: `kind`); `dual_use.by_destination` and `dual_use.by_category` are the record's figures 6
and 7 (individual licences issued per destination and per Annex I category, the entry's first
digit, with its name); `consultations_share` is the Netherlands' consultations (started plus
received) as a share of the EU's total, an input with its source
(`services/reporting/data/eu_consultations.csv`, illustrative until the published totals are
put in); `enforcement` counts investigations referred and
concluded in the year by outcome; a licence marked confidential is left out of every public
table until its release day (judged on the day of `as_of`, or today) and the document says how
many of the year's licences are withheld (`withheld_confidential`); the document carries
`year`, `as_of` and `currency`. `GET /v1/reports/monthly/{year}/{month}` (`?format=csv`): the
military and dual-use licences issued in a month, without goods detail for a destination whose
policy says so (`overview: "without_goods"` in the destination policies). `GET
/v1/reports/submissions/eu/{year}` (per destination and ML category: licences issued, value,
denials, criteria cited; the values add up to the annual report's total) and `GET
/v1/reports/submissions/att/{year}` (authorised exports per destination and ATT category, the
category approximated by the ML category as `method` says), each with `?format=csv` and
`?as_of`. `GET /v1/projections/status` also shows `generation`, `log_last_seq`,
`events_replayed`, the last rebuild's figures, and the messages a rebuild skipped because no
event contract reads them (`skipped`, `skipped_sequences`: not JSON, not an envelope, an unknown
type or version, a payload that does not parse; the live consumer dead-letters the same ones).
`GET /v1/streams/{id}` shows each event once, and lists such messages under `unreadable`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The reporting app for these settings (read from the environment when omitted)."""
    settings = settings or Settings()

    async def wire(runtime: Runtime, app: FastAPI) -> None:
        app.state.reference = load_reference()
        app.state.sources = load_sources(settings.history_csv,
                                         eu_consultations_csv=settings.eu_consultations_csv)
        rebuilder = Rebuilder(runtime)
        await rebuilder.reset_stale_rebuild()
        app.state.rebuilder = rebuilder
        runtime.spawn(rebuilder.rebuild_if_stale(), "rebuild-if-stale")
        runtime.add_consumer(consumer_spec())

    return create_service_app(
        settings=settings, metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        title="reporting", description=DESCRIPTION, routers=[router], wire=wire,
        personal_records="log",
    )
