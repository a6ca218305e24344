"""The read-only `public_records` object of an offering's API representation: the confirmed
regulators' records (proposals stay internal), the EDGAR check of its claimed filing, and its
addresses on the sanctions list, each with its source and date."""

from __future__ import annotations

from typing import Any

from offerings.models import Offering
from records.models import FilingCheck, RecordMatch, SanctionedAddress
from records.page import offering_addresses


def public_records_record(offering: Offering) -> dict[str, Any]:
    """3 queries (2 without an address): confirmed matches, the filing check, sanctions."""
    actions = [
        {
            "authority": match.record.authority,
            "kind": match.record.kind,
            "date": match.record.date.isoformat() if match.record.date else None,
            "title": match.record.title,
            "url": match.record.url,
            "source": match.record.source,
            "fetched_at": match.record.fetched_at.isoformat(),
            "matched_on": match.evidence,
            "confirmed_at": match.decided_at.isoformat() if match.decided_at else None,
        }
        for match in RecordMatch.objects.filter(
            offering=offering, state=RecordMatch.State.CONFIRMED
        ).select_related("record")
    ]
    check = FilingCheck.objects.filter(offering=offering).select_related("filing").first()
    filing = None
    if check is not None and check.claim == offering.regulatory_filing.strip():
        filing = {
            "accession": check.accession,
            "found": check.found,
            "form": check.filing.form if check.filing else None,
            "url": check.filing.url if check.filing else None,
            "related_persons": check.filing.related_persons if check.filing else None,
            "evidence": check.evidence,
            "checked_at": check.checked_at.isoformat(),
        }
    addresses = offering_addresses(offering)
    sanctioned = (
        [
            {
                "address": hit.address,
                "role": addresses[hit.address],
                "currency": hit.currency,
                "entry_uid": hit.entry_uid,
                "entry_name": hit.entry_name,
                "programs": hit.programs,
            }
            for hit in SanctionedAddress.objects.filter(address__in=list(addresses))
        ]
        if addresses
        else []
    )
    return {
        "regulator_actions": actions,
        "filing_check": filing,
        "sanctioned_addresses": sanctioned,
    }
