"""What every handler needs: the runtime, the reference data and the settings."""

from __future__ import annotations

from dataclasses import dataclass

from services.assessment.domain.licence import FastTrack
from services.assessment.settings import Settings
from shared.reference import ReferenceData
from shared.reference.grounds import RefusalGrounds
from shared.reference.policies import DestinationPolicies
from shared.reference.sanctions import GoodsSanctions
from shared.service import Runtime


@dataclass
class Context:
    """The service's collaborators, built once at start: the runtime, the settings and the
    reference data a case is judged with."""

    runtime: Runtime
    ref: ReferenceData
    settings: Settings
    policies: DestinationPolicies
    sanctions: GoodsSanctions
    grounds: RefusalGrounds

    @property
    def fast_track(self) -> FastTrack:
        """The fast-track policy: the settings where given, else the reference data's."""
        threshold = self.settings.fast_track_threshold_eur
        return FastTrack(
            threshold_eur=threshold if threshold is not None else self.ref.fast_track_threshold_eur,
            days=self.settings.fast_track_days or self.ref.fast_track_days)
