"""Interchange format v2: one JSON object per offering, shared by the importer, exporter and API.

`parse_record()` turns a record into a `Draft` (typed values, no database access) and reports
every bad value as a `FieldError` naming the field, the value and the rule. `offering_record()`
is the inverse for an offering whose venue, parts and absences are loaded.

Version 2 tells "not recorded" from "checked, none exist": a missing key or null is not
recorded; [] (audits, team, backers, allocations, rounds) or {} (socials) is checked, none.
A record without `interchange_version` is v1, where [] and {} mean nothing was given (not
recorded), so v1 files still import as they always did.
"""

from offerings.interchange.fields import (
    ASSESSMENT_FIELDS,
    CHECKABLE,
    CONTRACT_FIELDS,
    EXPORT_ORDER,
    FIELD_ORDER,
    FORMAT_VERSION,
    LIST_FIELDS,
    MARKET_FIELDS,
    NESTED_FIELDS,
    OUTCOME_FIELDS,
    PARTS,
    READ_ONLY_FIELDS,
    SCALARS,
    SOCIAL_NETWORKS,
    VERSION_KEY,
    VERSIONS,
)
from offerings.interchange.parsing import Draft, parse_record, record_version
from offerings.interchange.readers import BadValue, FieldError, read_decimal
from offerings.interchange.records import (
    PREFETCH,
    contract_record,
    market_record,
    offering_record,
    outcome_record,
)

__all__ = [
    "ASSESSMENT_FIELDS",
    "CHECKABLE",
    "CONTRACT_FIELDS",
    "EXPORT_ORDER",
    "FIELD_ORDER",
    "FORMAT_VERSION",
    "LIST_FIELDS",
    "MARKET_FIELDS",
    "NESTED_FIELDS",
    "OUTCOME_FIELDS",
    "PARTS",
    "PREFETCH",
    "READ_ONLY_FIELDS",
    "SCALARS",
    "SOCIAL_NETWORKS",
    "VERSIONS",
    "VERSION_KEY",
    "BadValue",
    "Draft",
    "FieldError",
    "contract_record",
    "market_record",
    "offering_record",
    "outcome_record",
    "parse_record",
    "read_decimal",
    "record_version",
]
