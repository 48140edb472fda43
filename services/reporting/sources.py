"""What the reports read beside the facts: the published series of earlier years, the EU's
totals of consultations, and the destination policies that shape the monthly overview. Read
once when the service starts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from services.reporting.domain.consultations import EuConsultations, eu_totals
from services.reporting.domain.history import PublishedYear, published_series
from services.reporting.domain.monthly import OverviewPolicy
from shared.reference.policies import DestinationPolicies, load_destination_policies

log = logging.getLogger(__name__)

HISTORY_CSV = Path(__file__).parent / "data" / "history.csv"
EU_CONSULTATIONS_CSV = Path(__file__).parent / "data" / "eu_consultations.csv"
WITHOUT_GOODS = "without_goods"


@dataclass(frozen=True)
class Sources:
    """The published history series, the EU's consultation totals and the overview policies."""

    published: tuple[PublishedYear, ...] = ()
    policies: tuple[OverviewPolicy, ...] = ()
    eu_consultations: tuple[EuConsultations, ...] = ()


def overview_policies(policies: DestinationPolicies) -> tuple[OverviewPolicy, ...]:
    """The destination policies that ask for overviews without detail about the goods."""
    return tuple(OverviewPolicy(destination=p.destination, valid_from=p.since,
                                valid_until=p.until, source=p.source)
                 for p in policies.policies if p.overview == WITHOUT_GOODS)


def load_sources(history_csv: Path | None = None, policies_json: Path | None = None,
                 eu_consultations_csv: Path | None = None) -> Sources:
    """Read the series, the EU totals (the packaged files by default) and the destination
    policies (the reference data's, by default)."""
    published = tuple(published_series((history_csv or HISTORY_CSV).read_text(encoding="utf-8")))
    totals = tuple(eu_totals((eu_consultations_csv or EU_CONSULTATIONS_CSV)
                             .read_text(encoding="utf-8")))
    return Sources(published=published, eu_consultations=totals,
                   policies=overview_policies(load_destination_policies(policies_json)))
