"""A strict little reader of the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"\s*(,|$)')
KINDS = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}

Labels = tuple[tuple[str, str], ...]


@dataclass
class Family:
    """One metric family: its type, help and samples (sample name, labels, value)."""

    name: str
    kind: str = "untyped"
    help: str = ""
    samples: list[tuple[str, Labels, float]] = field(default_factory=list)

    def value(self, sample: str | None = None, **labels: str) -> float:
        """The value of the one sample with these labels (among others)."""
        found = [v for n, ls, v in self.samples if n == (sample or self.name)
                 and labels.items() <= dict(ls).items()]
        assert len(found) == 1, (sample, labels, found)
        return found[0]


def _labels(text: str) -> Labels:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = LABEL.match(text, pos)
        assert match, f"bad labels: {text!r} at {pos}"
        out.append((match.group(1), match.group(2)))
        pos = match.end()
    names = [k for k, _ in out]
    assert len(names) == len(set(names)), f"repeated label in {text!r}"
    return tuple(out)


def _family_of(sample: str, families: dict[str, Family]) -> Family | None:
    if sample in families and families[sample].kind not in SUFFIXES:
        return families[sample]
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample.removesuffix(suffix)
        if base != sample and base in families and families[base].kind in SUFFIXES:
            return families[base]
    return families.get(sample)


def parse(text: str) -> dict[str, Family]:
    """Parse an exposition; fails on anything the format does not allow."""
    assert text.endswith("\n"), "the exposition ends with a newline"
    families: dict[str, Family] = {}
    closed: set[str] = set()
    current: str | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert re.fullmatch(NAME, name), line
                assert name not in closed, f"{name} comes back after another family"
                family = families.setdefault(name, Family(name))
                if current not in (None, name):
                    closed.add(current)
                current = name
                if parts[1] == "TYPE":
                    kind = parts[3] if len(parts) > 3 else ""
                    assert kind in KINDS, line
                    assert not family.samples, f"TYPE of {name} after its samples"
                    family.kind = kind
                else:
                    family.help = parts[3] if len(parts) > 3 else ""
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample: {line!r}"
        sample, labels, value = match.group(1), match.group(2) or "", match.group(3)
        family = _family_of(sample, families) or families.setdefault(sample, Family(sample))
        assert family.name not in closed, f"{family.name} comes back after another family"
        if current not in (None, family.name):
            closed.add(current)
        current = family.name
        number = float(value)
        assert not math.isnan(number), line
        family.samples.append((sample, _labels(labels), number))
    for family in families.values():
        _check(family)
    return families


def _check(family: Family) -> None:
    if family.kind == "counter":
        assert all(v >= 0 for _, _, v in family.samples), family.name
    if family.kind != "histogram":
        return
    series: dict[Labels, list[tuple[float, float]]] = {}
    counts: dict[Labels, float] = {}
    for sample, labels, value in family.samples:
        rest = tuple(kv for kv in labels if kv[0] != "le")
        if sample.endswith("_bucket"):
            le = dict(labels)["le"]
            series.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le), value))
        elif sample.endswith("_count"):
            counts[rest] = value
    assert set(series) == set(counts), family.name
    for rest, buckets in series.items():
        bounds = [b for b, _ in buckets]
        assert bounds == sorted(bounds) and bounds[-1] == math.inf, (family.name, rest)
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{family.name} buckets are not cumulative"
        assert values[-1] == counts[rest], f"{family.name} +Inf bucket is not the count"
