"""Reads the versioned JSON data files into a `ReferenceData`; nothing is read at import time."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from shared.reference.dataset import ReferenceData, ReferenceDataError
from shared.reference.model import (
    CountrySet,
    DatedCode,
    DatedList,
    Embargo,
    GeneralLicence,
    NationalEntry,
    RegimeRule,
    SourceInfo,
)

FILES = (
    "countries",
    "memberships",
    "regimes",
    "embargoes",
    "death_penalty",
    "regions",
    "military_list",
    "dual_use_annex_iv",
    "general_licences",
    "fast_track",
    "denial_rules",
    "national_measures",
)
_PSEUDO_CODES = frozenset({"EU", "EU_NATO_PLUS", "VARIOUS"})  # region-only destination groups


@functools.lru_cache(maxsize=8)
def load_reference(path: Path | None = None) -> ReferenceData:
    """Load the reference data from directory `path` (default: the packaged data files)."""
    directory: Traversable = resources.files(__package__).joinpath("data") if path is None else path
    raw: dict[str, bytes] = {}
    for name in FILES:
        try:
            raw[name] = directory.joinpath(f"{name}.json").read_bytes()
        except FileNotFoundError:
            raise ReferenceDataError(f"missing reference data file {name}.json") from None
    try:
        docs = {name: json.loads(content) for name, content in raw.items()}
        ref = _build(docs, _version(docs, raw))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"malformed reference data: {exc!r}") from exc
    _check_codes(ref)
    return ref


def _version(docs: Mapping[str, Any], raw: Mapping[str, bytes]) -> str:
    """Identify the data set: the file versions plus a short hash of all file contents."""
    digest = hashlib.sha256()
    for name in sorted(raw):
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
    versions = ",".join(sorted({str(doc["version"]) for doc in docs.values()}))
    return f"{versions}+sha256:{digest.hexdigest()[:12]}"


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _dated(item: str | Mapping[str, Any]) -> DatedCode:
    if isinstance(item, str):
        return DatedCode(code=item)
    return DatedCode(
        code=item["code"],
        since=_date(item.get("from")),
        until=_date(item.get("until")),
        note=item.get("note"),
        uncertain=bool(item.get("uncertain", False)),
    )


def _dated_list(name: str, description: str, items: Iterable[Any]) -> DatedList:
    return DatedList(name=name, description=description, entries=tuple(map(_dated, items)))


def _country_set(spec: Mapping[str, Any]) -> CountrySet:
    return CountrySet(
        description=spec["description"],
        any=bool(spec.get("any", False)),
        groups=tuple(spec.get("groups", ())),
        countries=tuple(map(_dated, spec.get("countries", ()))),
        excluded=tuple(map(_dated, spec.get("except", ()))),
        except_embargo=spec.get("except_embargo"),
        uncertain=bool(spec.get("uncertain", False)),
        for_directions={direction: tuple(map(_dated, items))
                        for direction, items in spec.get("for_directions", {}).items()},
    )


def _licence(code: str, spec: Mapping[str, Any]) -> GeneralLicence:
    origins = spec.get("origins")
    return GeneralLicence(
        code=code,
        regime=spec["regime"],
        covers=spec["covers"],
        directions=tuple(spec["directions"]),
        country_role=spec["country_role"],
        destinations=_country_set(spec["destinations"]),
        origins=None if origins is None else _country_set(origins),
        excludes_annex_iv=bool(spec.get("excludes_annex_iv", False)),
        entries=tuple(spec.get("entries", ())),
        entry_groups=tuple(spec.get("entry_groups", ())),
        uncertain=bool(spec.get("uncertain", False)),
        note=spec.get("note"),
        recipient_register=spec.get("recipient_register"),
        valid_from=_date(spec.get("valid_from")),
        valid_until=_date(spec.get("valid_until")),
    )


def _embargo(item: Mapping[str, Any]) -> Embargo:
    return Embargo(
        code=item["code"],
        kind=item["kind"],
        source=item["source"],
        since=_date(item.get("from")),
        until=_date(item.get("until")),
        note=item.get("note"),
        uncertain=bool(item.get("uncertain", False)),
    )


def _national(item: Mapping[str, Any]) -> NationalEntry:
    return NationalEntry(code=item["code"], measure=item["measure"],
                         description=item["description"], since=_date(item.get("from")),
                         until=_date(item.get("until")))


def _build(docs: Mapping[str, Any], version: str) -> ReferenceData:
    sources = {
        name: SourceInfo(
            name=name,
            source=doc["source"],
            valid_from=dt.date.fromisoformat(doc["valid_from"]),
            version=str(doc["version"]),
            uncertain=doc.get("uncertain") is True,
        )
        for name, doc in docs.items()
    }
    groups = docs["memberships"]["groups"]
    regimes = docs["regimes"]
    rule = regimes["entry_rule"]
    fast_track = docs["fast_track"]
    denial = docs["denial_rules"]
    return ReferenceData(
        version=version,
        sources=sources,
        countries=dict(docs["countries"]["countries"]),
        memberships={
            name: _dated_list(name, g["description"], g["members"]) for name, g in groups.items()
        },
        regimes={
            name: _dated_list(name, r["name"], r["members"])
            for name, r in regimes["regimes"].items()
        },
        regime_rule=RegimeRule(
            category_0=rule["category_0"],
            national_digit=rule["national_digit"],
            by_third_character=dict(rule["by_third_character"]),
        ),
        embargoes=tuple(map(_embargo, docs["embargoes"]["embargoes"])),
        death_penalty=_dated_list(
            "death_penalty", docs["death_penalty"]["source"], docs["death_penalty"]["countries"]
        ),
        regions={
            code: region for region, codes in docs["regions"]["regions"].items() for code in codes
        },
        military_categories=dict(docs["military_list"]["categories"]),
        annex_iv_entries=tuple(docs["dual_use_annex_iv"]["entries"]),
        general_licences={
            code: _licence(code, spec)
            for code, spec in docs["general_licences"]["licences"].items()
        },
        directions=tuple(docs["general_licences"]["directions"]),
        # str() first: a threshold written as a JSON number must not pass through float.
        fast_track_threshold_eur=Decimal(str(fast_track["threshold_eur"])),
        fast_track_days=int(fast_track["days"]),
        denial_validity_years=int(denial["validity_years"]),
        consultation_days=int(denial["consultation_reply_days"]),
        national_entries=tuple(map(_national, docs["national_measures"]["entries"])),
    )


def _check_codes(ref: ReferenceData) -> None:
    """Refuse data that names a country code outside the country list or an unknown group."""
    used: list[tuple[str, str]] = []
    for name, group in {**ref.memberships, **ref.regimes}.items():
        used += [(name, e.code) for e in group.entries]
    used += [("death_penalty", e.code) for e in ref.death_penalty.entries]
    used += [("embargoes", e.code) for e in ref.embargoes]
    used += [("regions", c) for c in ref.regions if c not in _PSEUDO_CODES]
    for code, licence in ref.general_licences.items():
        for spec in (licence.destinations, licence.origins):
            if spec is None:
                continue
            used += [(code, e.code) for e in (*spec.countries, *spec.excluded)]
            used += [(code, e.code) for items in spec.for_directions.values() for e in items]
            unknown_groups = set(spec.groups) - set(ref.memberships)
            if unknown_groups:
                raise ReferenceDataError(f"{code} names unknown groups {sorted(unknown_groups)}")
    unknown = sorted({f"{where}:{code}" for where, code in used if code not in ref.countries})
    if unknown:
        raise ReferenceDataError(f"unknown country codes in reference data: {unknown}")
