"""Destinations with a policy of their own, dated (`data/destination_policies.json`): Ukraine
since 24 February 2022, an accelerated procedure and parliament informed by periodic letters
instead of the fast-track.

Data, not rules: what a policy changes is the assessing service's rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shared.reference.dataset import ReferenceDataError


@dataclass(frozen=True)
class Policy:
    """A destination's policy, valid from `since` (inclusive) until `until` (exclusive)."""

    code: str
    destination: str
    accelerated: bool
    parliament: str  # "fast_track" or "periodic_letters"
    source: str
    since: dt.date
    until: dt.date | None = None
    # "without_goods": the office's regular overviews show its licences without detail about
    # the goods; "full" otherwise.
    overview: str = "full"

    def active(self, on: dt.date) -> bool:
        """Whether the policy holds on `on`."""
        return self.since <= on and (self.until is None or on < self.until)


@dataclass(frozen=True)
class DestinationPolicies:
    """Every destination policy of one version of the data file."""

    version: str
    source: str
    valid_from: dt.date
    policies: tuple[Policy, ...]

    def on(self, destination: str, day: dt.date) -> Policy | None:
        """The policy of a destination on a day, if it has one."""
        return next((p for p in self.policies if p.destination == destination and p.active(day)),
                    None)


@functools.lru_cache(maxsize=4)
def load_destination_policies(path: Path | None = None) -> DestinationPolicies:
    """The destination policies from `path` (default: the packaged data file)."""
    source = (resources.files(__package__).joinpath("data", "destination_policies.json")
              if path is None else path)
    try:
        doc = json.loads(source.read_bytes())
        return DestinationPolicies(
            version=str(doc["version"]), source=doc["source"],
            valid_from=dt.date.fromisoformat(doc["valid_from"]),
            policies=tuple(Policy(
                code=p["code"], destination=p["destination"], accelerated=bool(p["accelerated"]),
                parliament=p["parliament"], source=p["source"],
                since=dt.date.fromisoformat(p["valid_from"]),
                until=dt.date.fromisoformat(p["valid_until"]) if p.get("valid_until") else None,
                overview=str(p.get("overview", "full")))
                for p in doc["policies"]))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"malformed destination policies: {exc!r}") from exc
