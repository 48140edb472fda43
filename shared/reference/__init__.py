"""Reference data of the licensing rules: versioned JSON files and a pure, date-aware loader.

Load with `load_reference()`; every dated query takes the date `on` of the decision, so a rule
judged at a past date uses the lists valid then. Record `ReferenceData.version` with a decision.
"""

from shared.reference.dataset import (
    ReferenceData,
    ReferenceDataError,
    UnknownGeneralLicence,
    UnknownRegime,
)
from shared.reference.loader import load_reference
from shared.reference.model import (
    CountrySet,
    DatedCode,
    DatedList,
    Embargo,
    GeneralLicence,
    NationalEntry,
    SourceInfo,
)
from shared.reference.ratings import (
    dual_use_family,
    is_national_entry,
    ml_category,
    valid_anti_torture_rating,
    valid_dual_use_entry,
    valid_military_rating,
)

__all__ = [
    "CountrySet",
    "DatedCode",
    "DatedList",
    "Embargo",
    "GeneralLicence",
    "NationalEntry",
    "ReferenceData",
    "ReferenceDataError",
    "SourceInfo",
    "UnknownGeneralLicence",
    "UnknownRegime",
    "dual_use_family",
    "is_national_entry",
    "load_reference",
    "ml_category",
    "valid_anti_torture_rating",
    "valid_dual_use_entry",
    "valid_military_rating",
]
