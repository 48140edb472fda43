"""Entity resolution for "essentially identical" transactions; pure.

A name is prepared once (`prepare`: transliterated, legal forms, connectors and acronyms set
aside, abbreviations read, by the tables in services/denials/names) and the prepared form kept
with the denial, so a screening only compares (`explain_match`, `entity_score`). A party of
several names (aliases, the name in its own script) is compared name by name (`best_match`);
the name index (`filing_keys`, `lookup_keys`) finds the candidates for any list of names.
"""

from services.denials.matching.compare import (
    EntityMatch,
    NameMatch,
    best_match,
    compare_forms,
    compare_names,
    entity_score,
    explain_match,
    same_entity,
    same_tokens,
    typo_allowance,
)
from services.denials.matching.index import filing_keys, lookup_keys
from services.denials.matching.prepare import NORMALISER_VERSION, Form, PreparedName, prepare
from services.denials.matching.tables import fold, tables_digest

# A digest of the name tables this matcher was released with: a test holds it to the files,
# so a table edit cannot slip out without a new NORMALISER_VERSION (and refiled names).
TABLES_DIGEST = "a4cac142e44f666ab7c912ecd1dbb5078096d81838e4872bd5dd582ce63abbde"
NAME_INDEX_VERSION = f"{NORMALISER_VERSION}.1"
# What a screening records: which matcher, with which tables, judged the names.
MATCHER_VERSION = f"names {NAME_INDEX_VERSION}, tables {TABLES_DIGEST[:12]}"

__all__ = [
    "MATCHER_VERSION",
    "NAME_INDEX_VERSION",
    "NORMALISER_VERSION",
    "TABLES_DIGEST",
    "EntityMatch",
    "Form",
    "NameMatch",
    "PreparedName",
    "best_match",
    "compare_forms",
    "compare_names",
    "entity_score",
    "explain_match",
    "filing_keys",
    "fold",
    "lookup_keys",
    "prepare",
    "same_entity",
    "same_tokens",
    "tables_digest",
    "typo_allowance",
]
