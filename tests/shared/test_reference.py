"""Reference data: dated memberships, regimes, embargoes, ratings and general licences.

Judging a use against a general licence's conditions is intake's rule (its tests are in
tests/intake/test_domain_realisations.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from shared.reference import (
    ReferenceData,
    ReferenceDataError,
    UnknownGeneralLicence,
    UnknownRegime,
    dual_use_family,
    load_reference,
    ml_category,
    valid_anti_torture_rating,
    valid_dual_use_entry,
    valid_military_rating,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "data"
D = dt.date


def ref() -> ReferenceData:
    """Return the packaged reference data."""
    return load_reference()


def test_data_files_carry_source_valid_from_and_version() -> None:
    for path in sorted(DATA_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["source"] and doc["version"], path.name
        D.fromisoformat(doc["valid_from"])


def test_countries_include_iso_codes_and_kosovo_but_not_groups() -> None:
    r = ref()
    assert len(r.countries) == 250
    assert all(r.is_country(c) for c in ("NL", "XK", "TW", "PS", "SS"))
    assert not any(r.is_country(c) for c in ("EU", "VARIOUS", "UK", "nl"))


@pytest.mark.parametrize(
    ("code", "on", "nato", "nato_plus"),
    [
        ("SE", D(2024, 3, 6), False, True),  # EU member before it joined NATO
        ("SE", D(2024, 3, 7), True, True),
        ("FI", D(2023, 4, 3), False, True),
        ("FI", D(2023, 4, 4), True, True),
        ("US", D(2024, 1, 1), True, True),
        ("JP", D(2024, 1, 1), False, True),
        ("CH", D(2024, 1, 1), False, True),
        ("IL", D(2024, 1, 1), False, False),
        ("UA", D(2024, 1, 1), False, False),
    ],
)
def test_nato_membership_follows_accession_dates(
    code: str, on: dt.date, nato: bool, nato_plus: bool
) -> None:
    assert ref().is_nato(code, on) is nato
    assert ref().is_nato_plus(code, on) is nato_plus


@pytest.mark.parametrize(
    ("code", "on", "eu"),
    [
        ("NL", D(2024, 1, 1), True),
        ("HR", D(2013, 6, 30), False),
        ("HR", D(2013, 7, 1), True),
        ("GB", D(2020, 1, 31), True),
        ("GB", D(2020, 2, 1), False),
        ("NO", D(2024, 1, 1), False),
    ],
)
def test_eu_membership_is_dated(code: str, on: dt.date, eu: bool) -> None:
    assert ref().is_eu(code, on) is eu


def test_eu_has_27_members_in_2024() -> None:
    assert len(ref().members("EU", D(2024, 6, 1))) == 27


@pytest.mark.parametrize(("code", "exception"), [("CY", True), ("TR", True), ("GR", False)])
def test_cyprus_and_turkey_are_cdiu_exceptions(code: str, exception: bool) -> None:
    assert ref().is_cdiu_exception(code) is exception


@pytest.mark.parametrize(
    ("entry", "regime"),
    [
        ("3A001", "WA"),
        ("9A101", "MTCR"),
        ("1C350", "AG"),
        ("0A001", "NSG"),
        ("2B001", "WA"),
        ("2B910", "NATIONAL"),
        ("1B231", "NSG"),
        ("1C450.a", "CWC"),
        ("5A002.a", "WA"),
    ],
)
def test_controlling_regime_follows_the_entry_number(entry: str, regime: str) -> None:
    assert ref().controlling_regime(entry) == regime


def test_regime_members() -> None:
    on = D(2024, 6, 1)
    assert "IN" in ref().regime_members("WA", on)
    assert "CN" in ref().regime_members("NSG", on)
    assert "CN" not in ref().regime_members("WA", on)
    with pytest.raises(UnknownRegime):
        ref().regime_members("CWC", on)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("RU", "full"),
        ("CN", "full"),
        ("IQ", "partial"),
        ("CF", "partial"),
        ("SO", "partial"),
        ("AZ", "osce"),
        ("AM", "osce"),
        ("NL", None),
        ("US", None),
    ],
)
def test_embargo_kind(code: str, kind: str | None) -> None:
    assert ref().embargo(code, D(2024, 6, 1)) == kind


def test_embargo_reason_names_the_source() -> None:
    entry = ref().embargo_entry("CF", D(2024, 8, 1))
    assert entry is not None
    assert "2024-07-30" in entry.reason


@pytest.mark.parametrize(
    ("code", "on", "keeps"),
    [
        ("ZW", D(2024, 6, 1), True),
        ("ZW", D(2025, 1, 1), False),
        ("US", D(2024, 6, 1), True),
        ("IL", D(2024, 6, 1), True),
        ("NL", D(2024, 6, 1), False),
        ("FR", D(2024, 6, 1), False),
    ],
)
def test_death_penalty_is_dated(code: str, on: dt.date, keeps: bool) -> None:
    assert ref().keeps_death_penalty(code, on) is keeps


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("UA", "Other European countries"),
        ("GB", "Other European countries"),
        ("NO", "Other European countries"),
        ("EU", "European Union/NATO+"),
        ("EU_NATO_PLUS", "European Union/NATO+"),
        ("DE", "European Union/NATO+"),
        ("VARIOUS", "Global"),
        ("IL", "Middle East"),
        ("AQ", None),
    ],
)
def test_region_of_the_annual_report(code: str, region: str | None) -> None:
    assert ref().region(code) == region


@pytest.mark.parametrize("rating", ["ML1", "ML6", "ML10c", "ML1d5", "ML22a", "ML8a1b"])
def test_valid_military_ratings(rating: str) -> None:
    assert valid_military_rating(rating)


@pytest.mark.parametrize(
    "rating", ["ML0", "ML23", "ML100", "ML10.c", "ml10c", "ML10C", "ML 10", "3A001", ""]
)
def test_invalid_military_ratings(rating: str) -> None:
    assert not valid_military_rating(rating)


def test_ml_category_and_name() -> None:
    assert ml_category("ML10c") == "ML10"
    assert ml_category("ML1d5") == "ML1"
    assert ref().military_category_name("ML10c") == "aircraft, UAVs, aero-engines"
    with pytest.raises(ValueError):
        ml_category("ML23")


@pytest.mark.parametrize(
    "entry", ["3B001", "5A002.a", "1C350", "9A101", "2B910", "3A001.b.1.a.4", "5A002.a.1"]
)
def test_valid_dual_use_entries(entry: str) -> None:
    assert valid_dual_use_entry(entry)


@pytest.mark.parametrize(
    "entry", ["3F001", "3B01", "3b001", "5A002a", "5A002.1", "5A002.a.b", "5A002.", "ML10", ""]
)
def test_invalid_dual_use_entries(entry: str) -> None:
    assert not valid_dual_use_entry(entry)


def test_dual_use_family() -> None:
    assert dual_use_family("5A002.a.1") == "5A002"
    with pytest.raises(ValueError):
        dual_use_family("ML10")


@pytest.mark.parametrize(
    ("rating", "annex", "valid"),
    [
        ("III.2.1", "III", True),
        ("II.1", "II", True),
        ("IV.3", "IV", True),
        ("III.2.1", "II", False),
        ("II.1", "III", False),
        ("III", "III", False),
        ("III.a", "III", False),
        ("2.1", "III", False),
    ],
)
def test_anti_torture_ratings(rating: str, annex: str, valid: bool) -> None:
    assert valid_anti_torture_rating(rating, annex) is valid


def test_anti_torture_unknown_annex_is_refused() -> None:
    with pytest.raises(ValueError):
        valid_anti_torture_rating("V.1", "V")


@pytest.mark.parametrize(
    ("entry", "annex_iv"), [("0C001", True), ("1C351.d.5", True), ("3A001", False)]
)
def test_annex_iv_dual_use(entry: str, annex_iv: bool) -> None:
    assert ref().is_annex_iv_dual_use(entry) is annex_iv


def test_unknown_general_licence_is_refused() -> None:
    with pytest.raises(UnknownGeneralLicence):
        ref().general_licence("NL999")


def test_general_licence_metadata() -> None:
    codes = ref().general_licence_codes()
    assert {"NL003", "NL009", "EU001", "EU008", "NL900"} <= set(codes)
    nl008 = ref().general_licence("NL008")
    assert (nl008.regime, nl008.country_role) == ("military", "origin")
    assert nl008.directions == ("transit",)
    assert ref().general_licence("EU003").uncertain


def test_settings_are_readable() -> None:
    r = ref()
    assert r.fast_track_threshold_eur == Decimal("2000000")
    assert isinstance(r.fast_track_threshold_eur, Decimal)
    assert (r.fast_track_days, r.denial_validity_years, r.consultation_days) == (14, 3, 21)


def test_version_is_stable_across_loads(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    first, second = ref().version, load_reference(copy).version
    assert first == second
    assert first.startswith("2024.1,") and "+sha256:" in first


def test_version_changes_with_content(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "fast_track.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["days"] = 15
    path.write_text(json.dumps(doc), encoding="utf-8")
    changed = load_reference(copy)
    assert changed.fast_track_days == 15
    assert changed.version != ref().version


def test_unknown_country_code_in_data_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "death_penalty.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["countries"].append("QQ")
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="QQ"):
        load_reference(copy)
