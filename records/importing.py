"""Storing regulators' records from a feed or a file: all or nothing, each with the import it
came from, then proposing matches to offerings for an analyst to decide."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from offerings.models import Offering
from offerings.signals import offerings_changed
from records.entries import Entry
from records.matching import record_matches_propose
from records.models import ListImport, PublicRecord


@dataclass
class ImportReport:
    list_import: ListImport
    entries: int
    created: int
    updated: int
    proposed: int


def public_records_import(
    *, entries: list[Entry], source: str, origin: str, content: bytes
) -> ImportReport:
    """Create or update the records (keyed by source and URL) in one transaction and propose
    their matches. The first import of any regulator list rescores every offering: the rule
    goes from "no list consulted" to a verdict."""
    now = timezone.now()
    unique = {entry.url: entry for entry in entries}
    with transaction.atomic():
        first = not ListImport.objects.filter(source__in=ListImport.REGULATOR_SOURCES).exists()
        existing = {
            record.url: record
            for record in PublicRecord.objects.filter(source=source, url__in=list(unique))
        }
        created = [
            PublicRecord(source=source, fetched_at=now, **vars(entry))
            for url, entry in unique.items()
            if url not in existing
        ]
        PublicRecord.objects.bulk_create(created)
        for url, record in existing.items():
            for name, value in vars(unique[url]).items():
                setattr(record, name, value)
            record.fetched_at = now
        PublicRecord.objects.bulk_update(
            existing.values(),
            ["authority", "kind", "title", "date", "names", "tokens", "domains", "fetched_at"],
        )
        imported = ListImport.objects.create(
            source=source,
            origin=origin[:500],
            sha256=hashlib.sha256(content).hexdigest(),
            entries=len(unique),
            created=len(created),
            imported_at=now,
        )
        touched = PublicRecord.objects.filter(source=source, url__in=list(unique))
        proposals = record_matches_propose(records=touched)
        if first:
            offerings_changed.send(
                sender=PublicRecord,
                offering_ids=list(Offering.objects.values_list("pk", flat=True)),
            )
    return ImportReport(imported, len(unique), len(created), len(existing), proposals.proposed)
