"""What the offering page's "Public records" section shows (records/_public_records.html)."""

from __future__ import annotations

from typing import Any

from offerings.models import Offering
from records.matching import DECIDE_PERMISSION
from records.models import FilingCheck, RecordMatch, SanctionedAddress
from records.ofac import address_key

# The addresses of an offering checked against the sanctions list, with what each one is.
CONTRACT_ROLES = {"owner": "contract owner", "creator": "contract creator"}


def offering_addresses(offering: Offering) -> dict[str, str]:
    """address key → what it is ("contract", "contract owner" …), from the offering and its
    last contract check (loaded with it)."""
    addresses = {}
    if offering.contract_address:
        addresses[address_key(offering.contract_address)] = "contract"
    risk = getattr(offering, "contract_risk", None)
    for name, role in CONTRACT_ROLES.items():
        value = ((risk.facts if risk else {}).get(name) or {}).get("value")
        if isinstance(value, str) and value:
            addresses.setdefault(address_key(value), role)
    return addresses


def public_records_context(offering: Offering, user: Any, *, team: bool) -> dict[str, Any]:
    """Record matches (proposals for the team only), the EDGAR check of the claimed filing with
    the Form D's related persons, and sanctioned addresses (2 queries, 1 without an address;
    one more when the filing check was not joined to the offering)."""
    states = [RecordMatch.State.CONFIRMED] + ([RecordMatch.State.PROPOSED] if team else [])
    matches = list(
        RecordMatch.objects.filter(offering=offering, state__in=states)
        .select_related("record", "decided_by")
        .order_by("state", "-score", "-record__date")
    )
    try:  # joined by the page's query (select_related "filing_check__filing")
        check = offering.filing_check
    except FilingCheck.DoesNotExist:
        check = None
    if check is not None and check.claim != offering.regulatory_filing.strip():
        check = None  # the claim changed since: not checked
    addresses = offering_addresses(offering)
    sanctioned = (
        [
            (hit, addresses[hit.address])
            for hit in SanctionedAddress.objects.filter(address__in=list(addresses))
        ]
        if addresses
        else []
    )
    return {
        "record_matches": matches,
        "filing_check": check,
        "sanctioned_hits": sanctioned,
        "can_decide_records": bool(
            user.is_authenticated and user.has_perm(DECIDE_PERMISSION) and team
        ),
    }
