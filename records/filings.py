"""Checking an offering's claimed filing against EDGAR, and keeping what EDGAR holds.

A claim naming an accession number (or an EDGAR archive URL) is looked up among the filings of
the CIK the claim names, the accession's filer and the issuers full-text search finds for the
offering's legal entity; found or not, the verdict is stored as the offering's FilingCheck with
its evidence. A claim that names no accession (a BaFin prospectus) is not checked. A provider
failure stores nothing: the claim stays unchecked (unknown), never "not found".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from offerings.models import Offering
from offerings.resilience import ProviderError, ProviderNotFound
from offerings.signals import offerings_changed
from records.edgar import OFFERING_FORMS, Edgar, EdgarFiling, accession_in
from records.models import Filing, FilingCheck

logger = logging.getLogger(__name__)


@dataclass
class FilingReport:
    offerings: int = 0
    verified: int = 0
    missing: int = 0
    not_checkable: int = 0
    failed: int = 0


def filing_store(*, found: EdgarFiling, persons: list | None = None) -> Filing:
    filing, _ = Filing.objects.update_or_create(
        accession=found.accession,
        defaults={
            "cik": found.cik,
            "company": found.company[:200],
            "form": found.form[:20],
            "filed": found.filed,
            "url": found.url,
            "fetched_at": timezone.now(),
            **({"related_persons": persons} if persons is not None else {}),
        },
    )
    return filing


def filing_verify(*, offering: Offering, edgar: Edgar) -> FilingCheck | None:
    """Check the offering's `regulatory_filing` against EDGAR and store the verdict; None when
    the claim names no accession number. ProviderError when EDGAR could not answer."""
    claim = offering.regulatory_filing.strip()
    named = accession_in(claim) if claim else None
    if named is None:
        return None
    accession, claimed_cik = named
    ciks = [c for c in (claimed_cik, str(int(accession[:10]))) if c]
    if offering.legal_entity:
        ciks += [hit.cik for hit in edgar.search(offering.legal_entity)]
    ciks = list(dict.fromkeys(ciks))
    looked_in, match, issuer_filings = [], None, []
    for cik in ciks:
        try:
            filings = edgar.filings(cik)
        except ProviderNotFound:
            continue
        looked_in.append(cik)
        if match is None and (hit := next((f for f in filings if f.accession == accession), None)):
            match, issuer_filings = hit, [f for f in filings if f.form in OFFERING_FORMS]
    persons = None
    if match is not None and match.form.startswith("D"):
        persons = edgar.form_d_persons(match)
    now = timezone.now()
    with transaction.atomic():
        filing = None
        if match is not None:
            for other in issuer_filings:
                if other.accession != match.accession:
                    filing_store(found=other)
            filing = filing_store(found=match, persons=persons)
            issuer = match.company or f"CIK {match.cik}"
            evidence = (
                f"EDGAR lists Form {match.form} {accession} by {issuer} (CIK {match.cik}), "
                f"filed {match.filed or 'on an unknown date'}"
            )
        else:
            where = ", ".join(looked_in) or "none found"
            evidence = (
                f"accession {accession} is not among the EDGAR filings of CIK {where} "
                f"(submissions, {now:%Y-%m-%d})"
            )
        check, _ = FilingCheck.objects.update_or_create(
            offering=offering,
            defaults={
                "claim": claim[:300],
                "accession": accession,
                "found": match is not None,
                "filing": filing,
                "evidence": evidence[:500],
                "checked_at": now,
            },
        )
        offerings_changed.send(sender=FilingCheck, offering_ids=[offering.pk])
    return check


def filings_verify(*, offerings, edgar: Edgar) -> FilingReport:
    """Check every offering of the queryset that claims a filing; one failure does not stop
    the others."""
    report = FilingReport()
    for offering in offerings.exclude(regulatory_filing=""):
        report.offerings += 1
        try:
            check = filing_verify(offering=offering, edgar=edgar)
        except ProviderError as exc:
            logger.warning("EDGAR check of %s failed: %s", offering.slug, exc)
            report.failed += 1
            continue
        if check is None:
            report.not_checkable += 1
        elif check.found:
            report.verified += 1
        else:
            report.missing += 1
    return report


def filings_due(offerings=None):
    """Offerings whose claimed filing names an accession number and has no check of its
    current wording (never checked, or reworded since)."""
    offerings = (Offering.objects.all() if offerings is None else offerings).exclude(
        regulatory_filing=""
    )
    checked = dict(FilingCheck.objects.values_list("offering_id", "claim"))
    return [
        offering
        for offering in offerings.only("pk", "slug", "regulatory_filing", "legal_entity")
        if accession_in(offering.regulatory_filing)
        and checked.get(offering.pk) != offering.regulatory_filing.strip()
    ]


def issuer_search(*, offering: Offering, edgar: Edgar) -> list[Filing]:
    """Offering filings (Form D, C, 1-A) full-text search finds for the offering's legal entity
    or name, stored for the analyst to read (not linked to the offering by this alone)."""
    phrase = offering.legal_entity or offering.name
    found = edgar.search(phrase)
    with transaction.atomic():
        return [filing_store(found=hit) for hit in found]
