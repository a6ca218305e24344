"""Public-record facts for the rules, built in bulk per chunk (one query per fact family):
regulators' actions linked by an analyst, the EDGAR check of a claimed filing, and the
offering's addresses found on the sanctions list, each with where and when it came from.

Three states: a list never imported is unknown (None); imported and nothing found is a real
negative (an empty tuple); else what was found."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q

from diligence.contract_facts import ContractFacts
from records.models import FilingCheck, ListImport, RecordMatch, SanctionedAddress
from records.ofac import address_key


@dataclass(frozen=True, slots=True)
class RegulatorAction:
    authority: str
    kind: str
    date: dt.date | None
    title: str
    url: str
    source: str  # the list it came from ("SEC litigation releases (RSS)")
    fetched_at: dt.datetime
    matched_on: str  # the match's evidence
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SanctionHit:
    address: str
    role: str  # "contract", "contract owner", "contract creator"
    currency: str
    entry_uid: str
    entry_name: str
    programs: str
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FilingFacts:
    """The EDGAR check of the offering's claim, as it is worded now."""

    accession: str
    found: bool
    form: str
    evidence: str
    checked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RecordFacts:
    # Regulators' lists imported ("SEC litigation releases (RSS), 2026-12-01"); () = none ever.
    regulator_lists: tuple[str, ...] = ()
    actions: tuple[RegulatorAction, ...] = ()  # confirmed links only
    pending: int = 0  # proposals no analyst has decided yet
    sanctions_list: str = ""  # "OFAC SDN list, imported 2026-12-01"; "" = never imported
    addresses: tuple[str, ...] = ()  # what was checked ("contract 0xab…")
    sanctioned: tuple[SanctionHit, ...] = ()
    filing: FilingFacts | None = None  # None: the claim was not checked against EDGAR


_ROLES = {"owner": "contract owner", "creator": "contract creator"}
_SOURCE_NAMES = dict(ListImport.Source.choices)


def _addresses(contract: ContractFacts | None) -> dict[str, str]:
    if contract is None:
        return {}
    found = {address_key(contract.address): "contract"}
    for name, role in _ROLES.items():
        value = contract.values.get(name)
        if isinstance(value, str) and value:
            found.setdefault(address_key(value), role)
    return found


def record_facts_for(
    among: Q, ids: list[int], contracts: dict[int, ContractFacts], claims: dict[int, str]
) -> dict[int, RecordFacts]:
    """The record facts of each offering in `ids` (`among` selects them by offering_id);
    `claims` is each offering's regulatory_filing (4 queries, 3 without any address)."""
    imports = dict(
        ListImport.objects.values("source")
        .annotate(last=Max("imported_at"))
        .values_list("source", "last")
    )
    regulator_lists = tuple(
        f"{_SOURCE_NAMES[source]}, {imports[source]:%Y-%m-%d}"
        for source in ListImport.REGULATOR_SOURCES
        if source in imports
    )
    ofac = imports.get(ListImport.Source.OFAC_SDN)
    sanctions_list = f"OFAC SDN list, imported {ofac:%Y-%m-%d}" if ofac else ""

    actions: dict[int, list[RegulatorAction]] = defaultdict(list)
    pending: dict[int, int] = defaultdict(int)
    for row in (
        RecordMatch.objects.filter(
            among, state__in=[RecordMatch.State.CONFIRMED, RecordMatch.State.PROPOSED]
        )
        .order_by("offering_id", "-record__date", "pk")
        .values_list(
            "offering_id",
            "state",
            "record__authority",
            "record__kind",
            "record__date",
            "record__title",
            "record__url",
            "record__source",
            "record__fetched_at",
            "evidence",
            "decided_at",
        )
    ):
        offering_id, state, *record, source, fetched_at, evidence, decided_at = row
        if state == RecordMatch.State.PROPOSED:
            pending[offering_id] += 1
            continue
        actions[offering_id].append(
            RegulatorAction(
                *record, _SOURCE_NAMES.get(source, source), fetched_at, evidence, decided_at
            )
        )

    filings = {}
    for (
        offering_id,
        claim,
        accession,
        found,
        form,
        evidence,
        checked_at,
    ) in FilingCheck.objects.filter(among).values_list(
        "offering_id", "claim", "accession", "found", "filing__form", "evidence", "checked_at"
    ):
        if claim == claims.get(offering_id, "").strip():  # a reworded claim is unchecked
            filings[offering_id] = FilingFacts(accession, found, form or "", evidence, checked_at)

    addresses = {pk: _addresses(contracts.get(pk)) for pk in ids}
    every = {key for found in addresses.values() for key in found}
    listed = {}
    if sanctions_list and every:
        listed = {
            hit[0]: hit
            for hit in SanctionedAddress.objects.filter(address__in=sorted(every)).values_list(
                "address", "currency", "entry_uid", "entry_name", "programs"
            )
        }
    built = {}
    for pk in ids:
        mine = addresses[pk]
        built[pk] = RecordFacts(
            regulator_lists=regulator_lists,
            actions=tuple(actions.get(pk, ())),
            pending=pending.get(pk, 0),
            sanctions_list=sanctions_list,
            addresses=tuple(f"{role} {address}" for address, role in mine.items()),
            sanctioned=tuple(
                SanctionHit(key, role, *listed[key][1:], ofac)
                for key, role in mine.items()
                if key in listed
            ),
            filing=filings.get(pk),
        )
    return built
