"""Building the interchange record (v2) of an offering: the inverse of parsing, plus the
read-only fields an export adds (assessment, market, listings, outcomes, contract)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch

from offerings.amounts import canonical
from offerings.interchange.fields import (
    ASSESSMENT_FIELDS,
    FORMAT_VERSION,
    LIST_FIELDS,
    PARTS,
    SCALARS,
    SOCIAL_NETWORKS,
    VERSION_KEY,
)
from offerings.models import Listing, Offering, SaleOutcome, WhitepaperMatch

ROI_PLACES = Decimal("0.0001")


def _out(value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is Decimal:
        return canonical(value)
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()
    return value


# What offering_record reads, worked out once: (key, model attribute) per plain scalar, and
# (part, [(name, model attribute)]) per part. Exports and the API list run it for every row.
_PLAIN_SCALARS = [
    (key, model_field)
    for key, (model_field, _) in SCALARS.items()
    if key not in ("status", "venue") and key not in LIST_FIELDS
]
_PART_FIELDS = [
    (key, [(name, model_field) for name, (model_field, _) in spec.items()])
    for key, spec in PARTS.items()
]


def offering_record(
    offering: Offering, *, parts: Mapping[str, Iterable[Any]] | None = None
) -> dict[str, Any]:
    """The interchange record (v2) of an offering whose venue, parts and absences are loaded:
    prefetched, or given in `parts` (relation name -> its rows in the relation's order, objects
    with the model's attributes), which a reader that loads them in bulk passes instead."""

    def related(name: str) -> Iterable[Any]:
        return parts[name] if parts is not None else getattr(offering, name).all()

    values = {key: _out(getattr(offering, model_field)) for key, model_field in _PLAIN_SCALARS}
    values["status"] = offering.status
    values["venue"] = offering.venue.name if offering.venue_id else None
    values["restricted_countries"] = list(offering.restricted_countries)
    values["backers"] = None if offering.backers is None else list(offering.backers)
    record: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION}
    record.update((key, values[key]) for key in SCALARS)  # in the format's order
    checked_none = {absence.part for absence in related("absences")}
    for key, fields in _PART_FIELDS:
        record[key] = [
            {name: _out(getattr(part, model_field)) for name, model_field in fields}
            for part in related(key)
        ] or ([] if key in checked_none else None)
    socials = {link.network: link.url for link in related("socials")}
    record["socials"] = {
        network: socials[network] for network in SOCIAL_NETWORKS if network in socials
    } or ({} if "socials" in checked_none else None)
    if hasattr(offering, "assessed_at"):  # annotated by diligence.selectors
        record.update(assessment_fields(offering))
    record["market"] = market_record(offering)
    record["listings"] = [
        {
            "venue": listing.venue.name,
            "pair": listing.pair,
            "status": listing.status,
            "first_seen": listing.first_seen.isoformat(),
            "last_seen": listing.last_seen.isoformat(),
        }
        for listing in related("listings")
    ]
    record["outcomes"] = [outcome_record(outcome) for outcome in related("outcomes")]
    record["contract"] = contract_record(offering)
    record["whitepaper_copy"] = whitepaper_copy_record(offering)
    return record


def assessment_fields(offering: Offering) -> dict[str, Any]:
    """The current assessment's fields of an offering annotated by diligence.selectors."""
    fields = {}
    for key in ASSESSMENT_FIELDS:
        value = getattr(offering, key)
        fields[key] = value.isoformat() if key == "assessed_at" and value else _out(value)
    return fields


def outcome_record(outcome: SaleOutcome) -> dict[str, Any]:
    """One entry of `outcomes`: derived ones carry their evidence, an analyst's its source and
    note (who recorded it stays in the product)."""
    return {
        "kind": outcome.kind,
        "derived": outcome.derived,
        "occurred_on": _out(outcome.occurred_on),
        "evidence": _out(outcome.evidence),
        "source_url": _out(outcome.source_url),
        "note": _out(outcome.note),
        "recorded_at": outcome.recorded_at.isoformat(),
    }


def market_record(offering: Offering) -> dict[str, Any] | None:
    """The `market` object of an offering whose market summary is loaded; None without data.
    `roi` is price / sale price − 1 (0.5 is +50%)."""
    try:
        summary = offering.market_summary
    except ObjectDoesNotExist:
        return None
    roi = summary.roi(offering.token_price_usd)
    return {
        "price_usd": _out(summary.price_usd),
        "market_cap_usd": _out(summary.market_cap_usd),
        "volume_24h_usd": _out(summary.volume_24h_usd),
        "roi": None if roi is None else canonical(roi.quantize(ROI_PLACES)),
        "ath_usd": _out(summary.ath_usd),
        "updated_at": summary.updated_at.isoformat(),
    }


def contract_record(offering: Offering) -> dict[str, Any] | None:
    """The `contract` object of an offering whose contract was checked; None before that.
    Each fact carries the provider that stated it and when (`seen_at`); `unavailable` names
    the providers that could not answer at the last check, and why."""
    try:
        risk = offering.contract_risk
    except ObjectDoesNotExist:
        return None
    return {
        "chain_id": risk.chain_id,
        "address": risk.address,
        "checked_at": risk.checked_at.isoformat(),
        "next_check_at": risk.next_check_at.isoformat(),
        "facts": risk.facts,
        "unavailable": risk.errors,
    }


def whitepaper_copy_record(offering: Offering) -> dict[str, Any] | None:
    """The copied-whitepaper check: None before the offering's whitepaper text was indexed;
    else which document was compared when, and the earlier whitepapers of other offerings it
    shares passages with (`matches` empty: checked, none)."""
    try:
        signature = offering.whitepaper_signature
    except ObjectDoesNotExist:
        return None
    return {
        "document_id": signature.document_id,
        "compared_at": signature.compared_at.isoformat() if signature.compared_at else None,
        "matches": [
            {
                "source": match.source_offering.slug,
                "source_name": match.source_offering.name,
                "share": match.share,
                "passages": match.passages,
            }
            for match in offering.whitepaper_matches.all()
        ],
    }


PREFETCH = (
    "absences",
    "team",
    "allocations",
    "rounds",
    "audits",
    "socials",
    "market_summary",
    "contract_risk",
    Prefetch("listings", queryset=Listing.objects.select_related("venue")),
    "outcomes",
    # The index entry is joined (one-to-one); the matches are one query of their own (their
    # source offering's columns would overflow PostgreSQL's 100-argument json_build_object).
    "whitepaper_signature",
    Prefetch(
        "whitepaper_matches",
        queryset=WhitepaperMatch.objects.select_related("source_offering")
        .only("offering_id", "share", "passages", "source_offering__slug", "source_offering__name")
        .order_by("-share"),
    ),
)
