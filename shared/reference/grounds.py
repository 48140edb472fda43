"""The refusal grounds beside the criteria of Common Position 2008/944/CFSP, per regime, with
their labels in English and Dutch and their legal source (`data/refusal_grounds.json`).

Data, not rules: which grounds a decision may cite is the deciding service's rule.
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
class RefusalGround:
    """One ground: its code, the regime it belongs to, its labels and source."""

    code: str
    regime: str
    kind: str
    label_en: str
    label_nl: str
    source: str


@dataclass(frozen=True)
class RefusalGrounds:
    """The grounds of every regime, as one version of the data file holds them."""

    version: str
    source: str
    valid_from: dt.date
    grounds: tuple[RefusalGround, ...]

    def get(self, code: str) -> RefusalGround | None:
        """The ground of a code, if the data holds it."""
        return next((g for g in self.grounds if g.code == code), None)

    def of_regime(self, regime: str) -> tuple[RefusalGround, ...]:
        """The grounds of one regime (`dual_use`, `anti_torture`)."""
        return tuple(g for g in self.grounds if g.regime == regime)


@functools.lru_cache(maxsize=4)
def load_refusal_grounds(path: Path | None = None) -> RefusalGrounds:
    """The refusal grounds from `path` (default: the packaged data file)."""
    source = (resources.files(__package__).joinpath("data", "refusal_grounds.json")
              if path is None else path)
    try:
        doc = json.loads(source.read_bytes())
        return RefusalGrounds(
            version=str(doc["version"]), source=doc["source"],
            valid_from=dt.date.fromisoformat(doc["valid_from"]),
            grounds=tuple(RefusalGround(code=g["code"], regime=g["regime"], kind=g["kind"],
                                        label_en=g["en"], label_nl=g["nl"], source=g["source"])
                          for g in doc["grounds"]))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"malformed refusal grounds: {exc!r}") from exc
