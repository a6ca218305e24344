"""The read-only `public_records` object of an offering's API representation and exports: the
confirmed regulators' records (proposals stay internal), the EDGAR check of its claimed filing,
and its addresses on the sanctions list, each with its source and date.

One builder, in bulk: `public_records_for(offerings)` answers a page or an export chunk with a
fixed number of queries, whatever the number of offerings or of their records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from types import SimpleNamespace
from typing import Any

import orjson
from django.db import connections
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL

from offerings.models import ContractRisk, Offering
from records.models import FilingCheck, RecordMatch, SanctionedAddress
from records.page import CONTRACT_ROLES, offering_addresses

# What a caller's query joins so the filing checks cost no query of their own.
FILING_CHECK_JOIN = "filing_check__filing"
# What public_records_for reads of a page's rows, for a caller's only(): two offering
# columns, the contract check's facts, and the filing check with its filing (FILING_CHECK_JOIN).
PUBLIC_RECORD_COLUMNS = (
    "contract_address",
    "regulatory_filing",
    "contract_risk__facts",
    *(f"filing_check__{field.name}" for field in FilingCheck._meta.concrete_fields),
    "filing_check__filing",
)


# Python's str.strip() for the ASCII whitespace an address could carry, in SQL.
_BLANKS = {"postgresql": "E' \\t\\n\\r\\f\\v'", "sqlite": "' ' || char(9, 10, 11, 12, 13)"}
SANCTIONED_HITS = "_ow_sanctioned_hits"


def with_sanctioned_hits_json(queryset: QuerySet) -> QuerySet:
    """Annotate each offering with the sanctions-list entries of its addresses (its contract,
    and its contract's owner and creator from the last contract check) as a JSON array: one
    correlated subquery, so that its public records need no query of their own for them.

    The subquery looks each address up as it is and lower-cased (address_key lower-cases EVM
    addresses only): it may return an entry too many, never one too few, and
    public_records_for keeps only the entries of the offering's address keys."""
    vendor = connections[queryset.db].vendor
    quote = connections[queryset.db].ops.quote_name
    blanks = _BLANKS[vendor]
    offering = f"{quote(Offering._meta.db_table)}.{quote(Offering._meta.pk.column)}"
    risks = quote(ContractRisk._meta.db_table)
    values = [f"{quote(Offering._meta.db_table)}.{quote('contract_address')}"]
    for name in CONTRACT_ROLES:
        value = (
            f"c.facts -> '{name}' ->> 'value'"
            if vendor == "postgresql"
            else f"json_extract(c.facts, '$.{name}.value')"
        )
        values.append(f"(SELECT {value} FROM {risks} c WHERE c.offering_id = {offering})")
    trimmed = [
        (f"btrim({v}, {blanks})" if vendor == "postgresql" else f"trim({v}, {blanks})")
        for v in values
    ]
    candidates = ", ".join([*trimmed, *(f"lower({t})" for t in trimmed)])
    table = quote(SanctionedAddress._meta.db_table)
    columns = ("address", "currency", "entry_uid", "entry_name", "programs")
    pairs = ", ".join(f"'{c}', s.{quote(c)}" for c in columns)
    if vendor == "postgresql":
        sql = (
            f"(SELECT COALESCE(json_agg(json_build_object({pairs})), '[]')::text "
            f"FROM {table} s WHERE s.address IN ({candidates}))"
        )
    else:
        sql = (
            f"(SELECT json_group_array(json_object({pairs})) "
            f"FROM {table} s WHERE s.address IN ({candidates}))"
        )
    return queryset.annotate(**{SANCTIONED_HITS: RawSQL(sql, (), output_field=TextField())})


def _sanctioned_hits_from_json(offerings: Sequence[Offering]) -> dict[str, Any] | None:
    """address → entry, from with_sanctioned_hits_json's annotations (None when missing)."""
    if not all(hasattr(offering, SANCTIONED_HITS) for offering in offerings):
        return None
    hits: dict[str, Any] = {}
    for offering in offerings:
        for entry in orjson.loads(getattr(offering, SANCTIONED_HITS) or "[]"):
            hits[entry["address"]] = SimpleNamespace(**entry)
    return hits


def public_records_for(
    offerings: Sequence[Offering], *, confirmed_matches: dict[int, list] | None = None
) -> dict[int, dict[str, Any]]:
    """offering id → its `public_records` object. At most 3 queries for any number of
    offerings: the confirmed matches (none when the caller read them with its page, as
    `confirmed_matches`: offering id → matches with their record, in RecordMatch's order); the
    filing checks (none when the caller's query joined FILING_CHECK_JOIN); the sanctioned
    addresses (none when no offering has an address, or when the caller's query annotated
    them: with_sanctioned_hits_json)."""
    if not offerings:
        return {}
    ids = [offering.pk for offering in offerings]
    actions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if confirmed_matches is None:
        for match in RecordMatch.objects.filter(
            offering_id__in=ids, state=RecordMatch.State.CONFIRMED
        ).select_related("record"):
            actions[match.offering_id].append(_action(match))
    else:
        for offering_id, matches in confirmed_matches.items():
            actions[offering_id] = [_action(match) for match in matches]
    checks = _filing_checks(offerings)
    addresses = {offering.pk: offering_addresses(offering) for offering in offerings}
    wanted = {address for found in addresses.values() for address in found}
    hits = _sanctioned_hits_from_json(offerings) if wanted else {}
    if hits is None:
        hits = {
            hit.address: hit for hit in SanctionedAddress.objects.filter(address__in=sorted(wanted))
        }
    return {
        offering.pk: {
            "regulator_actions": actions.get(offering.pk, []),
            "filing_check": _filing(offering, checks.get(offering.pk)),
            "sanctioned_addresses": [
                _sanctioned(hit, addresses[offering.pk][hit.address])
                for hit in sorted(
                    (hits[a] for a in addresses[offering.pk] if a in hits),
                    key=lambda hit: (hit.entry_name, hit.address),  # SanctionedAddress order
                )
            ],
        }
        for offering in offerings
    }


def public_records_record(
    offering: Offering, *, confirmed_matches: dict[int, list] | None = None
) -> dict[str, Any]:
    """One offering's `public_records` (3 queries, 2 without an address; one fewer with its
    `confirmed_matches`)."""
    return public_records_for([offering], confirmed_matches=confirmed_matches)[offering.pk]


def _filing_checks(offerings: Sequence[Offering]) -> dict[int, FilingCheck]:
    """The filing checks: read from the join when the caller's query made it, else 1 query."""
    checks: dict[int, FilingCheck] = {}
    missing = []
    for offering in offerings:
        if Offering.filing_check.is_cached(offering):
            with suppress(FilingCheck.DoesNotExist):  # joined, and there is none
                checks[offering.pk] = offering.filing_check
        else:
            missing.append(offering.pk)
    if missing:
        for check in FilingCheck.objects.filter(offering_id__in=missing).select_related("filing"):
            checks[check.offering_id] = check
    return checks


def _action(match: RecordMatch) -> dict[str, Any]:
    record = match.record
    return {
        "authority": record.authority,
        "kind": record.kind,
        "date": record.date.isoformat() if record.date else None,
        "title": record.title,
        "url": record.url,
        "source": record.source,
        "fetched_at": record.fetched_at.isoformat(),
        "matched_on": match.evidence,
        "confirmed_at": match.decided_at.isoformat() if match.decided_at else None,
    }


def _filing(offering: Offering, check: FilingCheck | None) -> dict[str, Any] | None:
    """The check of the claim as it is worded now; a claim changed since is not checked."""
    if check is None or check.claim != offering.regulatory_filing.strip():
        return None
    filing = check.filing
    return {
        "accession": check.accession,
        "found": check.found,
        "form": filing.form if filing else None,
        "url": filing.url if filing else None,
        "related_persons": filing.related_persons if filing else None,
        "evidence": check.evidence,
        "checked_at": check.checked_at.isoformat(),
    }


def _sanctioned(hit: SanctionedAddress, role: str) -> dict[str, Any]:
    return {
        "address": hit.address,
        "role": role,
        "currency": hit.currency,
        "entry_uid": hit.entry_uid,
        "entry_name": hit.entry_name,
        "programs": hit.programs,
    }
