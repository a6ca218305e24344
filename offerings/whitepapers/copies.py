"""Copied whitepapers: index each offering's current whitepaper and find the passages it shares
with other offerings' whitepapers, in either direction of time.

Adding a whitepaper hashes that one text only: its MinHash band keys are looked up among the
stored ones (one query), the few candidates found are aligned word for word, and boilerplate
(standard disclaimers; passages found in WHITEPAPER_BOILERPLATE_MIN_OFFERINGS or more offerings'
whitepapers) is set aside. Whichever of two whitepapers was published later is the copy: its
match row names the earlier one, with the share of its words found there and the passages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from offerings.models import (
    Document,
    WhitepaperBand,
    WhitepaperMatch,
    WhitepaperShingle,
    WhitepaperSignature,
)
from offerings.signals import offerings_changed
from offerings.whitepapers.alignment import Passage, anchor_index, passages, shared_runs
from offerings.whitepapers.boilerplate import boilerplate_keys
from offerings.whitepapers.signature import band_keys, minhash, to_bytes
from offerings.whitepapers.words import Words, sampled, shingle_keys, words

QUOTED_PASSAGES = 5  # the longest passages a match keeps as evidence
MIN_STORED_SHARE = 0.02  # smaller overlaps are chance phrases, not worth a row


@dataclass
class IndexReport:
    document_id: int
    indexed: bool = False  # False: already indexed, or no text
    candidates: int = 0
    matches: int = 0
    offering_ids: list[int] = field(default_factory=list)  # whose copy facts changed


@dataclass
class _Pair:
    copier: Words
    source: Words
    copier_signature: WhitepaperSignature
    source_signature: WhitepaperSignature
    passages: list[Passage]


def published_on(offering, document: Document) -> dt.date:
    """When a whitepaper counts as published: the sale's start, else when we first had it."""
    return offering.start_date or document.uploaded_at.date()


def whitepaper_index(
    *, document_id: int, now: dt.datetime | None = None, force: bool = False
) -> IndexReport:
    """Index the document as its offering's whitepaper (replacing an older one) and record the
    passages it shares with the other indexed whitepapers. Already indexed: nothing to do."""
    now = now or timezone.now()
    report = IndexReport(document_id)
    document = Document.objects.select_related("offering").filter(pk=document_id).first()
    if document is None or not document.text.strip():
        return report
    if not force and WhitepaperSignature.objects.filter(document_id=document_id).exists():
        return report
    text = words(document.text)
    keys = set(shingle_keys(text.tokens)) - boilerplate_keys()
    values = minhash(keys)
    with transaction.atomic():
        # One whitepaper per offering in the index: a newer one replaces the older.
        WhitepaperSignature.objects.filter(offering_id=document.offering_id).delete()
        WhitepaperMatch.objects.filter(offering_id=document.offering_id).delete()
        signature = WhitepaperSignature.objects.create(
            offering=document.offering,
            document=document,
            minhash=to_bytes(values),
            tokens=len(text.tokens),
            indexed_at=now,
            compared_at=now,
        )
        signature.document = document
        bands = band_keys(values)
        WhitepaperBand.objects.bulk_create(
            WhitepaperBand(signature=signature, band=band, key=key)
            for band, key in enumerate(bands)
        )
        WhitepaperShingle.objects.bulk_create(
            WhitepaperShingle(signature=signature, key=key) for key in sampled(keys)
        )
        candidates = _candidates(signature, bands)
        pairs = _aligned(signature, text, candidates)
        frequent = _frequent_keys(pairs)
        changed = {document.offering_id}
        for pair in pairs:
            if _match_store(pair, frequent, now):
                report.matches += 1
                changed.add(pair.copier_signature.offering_id)
        report.indexed, report.candidates = True, len(candidates)
        report.offering_ids = sorted(changed)
        offerings_changed.send(sender=WhitepaperSignature, offering_ids=report.offering_ids)
    return report


def _candidates(signature: WhitepaperSignature, bands: list[int]) -> list[WhitepaperSignature]:
    """Other offerings' indexed whitepapers sharing a band, most shared bands first (2 queries)."""
    wanted = set(enumerate(bands))
    shared = Counter(
        signature_id
        for signature_id, band, key in WhitepaperBand.objects.filter(key__in=set(bands))
        .exclude(signature=signature)
        .values_list("signature_id", "band", "key")
        if (band, key) in wanted
    )
    best = [pk for pk, _ in shared.most_common(settings.WHITEPAPER_COPY_CANDIDATES)]
    found = (
        WhitepaperSignature.objects.filter(pk__in=best)
        .exclude(offering_id=signature.offering_id)
        .select_related("document", "offering")
        .only(
            "offering_id",
            "document_id",
            "tokens",
            "document__text",
            "document__uploaded_at",
            "offering__start_date",
            "offering__name",
            "offering__slug",
        )
    )
    return sorted(found, key=lambda candidate: best.index(candidate.pk))


def _aligned(
    signature: WhitepaperSignature, text: Words, candidates: list[WhitepaperSignature]
) -> list[_Pair]:
    """Each candidate aligned with the new text, oriented from the later to the earlier."""
    index = anchor_index(text.tokens)
    published = published_on(signature.offering, signature.document)
    pairs = []
    for candidate in candidates:
        other = words(candidate.document.text)
        runs = shared_runs(text.tokens, index, other.tokens)
        other_published = published_on(candidate.offering, candidate.document)
        if not runs or other_published == published:
            continue  # nothing shared, or no telling which came first
        if published > other_published:
            pairs.append(_Pair(text, other, signature, candidate, passages(runs, side="a")))
        else:
            pairs.append(_Pair(other, text, candidate, signature, passages(runs, side="b")))
    return pairs


def _passage_keys(pair: _Pair, passage: Passage) -> list[int]:
    return shingle_keys(pair.copier.tokens[passage.start : passage.stop])


def _frequent_keys(pairs: list[_Pair]) -> set[int]:
    """The sampled shingles of the matched passages that WHITEPAPER_BOILERPLATE_MIN_OFFERINGS
    or more offerings' whitepapers hold (one query)."""
    keys = {
        key
        for pair in pairs
        for passage in pair.passages
        for key in sampled(_passage_keys(pair, passage))
    }
    if not keys:
        return set()
    counted = (
        WhitepaperShingle.objects.filter(key__in=sorted(keys)[:30_000])
        .values("key")
        .annotate(offerings=Count("signature_id", distinct=True))
        .filter(offerings__gte=settings.WHITEPAPER_BOILERPLATE_MIN_OFFERINGS)
        .values_list("key", flat=True)
    )
    return set(counted)


def is_boilerplate(keys: list[int], frequent: set[int]) -> bool:
    """A passage is boilerplate when half its shingles are standard passages, or half of its
    sampled shingles are found in many offerings' whitepapers."""
    if not keys:
        return False
    standard = boilerplate_keys()
    if sum(key in standard for key in keys) * 2 >= len(keys):
        return True
    sample = sampled(keys)
    return bool(sample) and sum(key in frequent for key in sample) * 2 >= len(sample)


def _match_store(pair: _Pair, frequent: set[int], now: dt.datetime) -> bool:
    """Record what the later whitepaper shares with the earlier; False if too little."""
    kept = [p for p in pair.passages if not is_boilerplate(_passage_keys(pair, p), frequent)]
    total = len(pair.copier.tokens)
    share = sum(passage.length for passage in kept) / total if total else 0.0
    copier, source = pair.copier_signature, pair.source_signature
    WhitepaperMatch.objects.filter(
        document_id=copier.document_id, source_document_id=source.document_id
    ).delete()
    if not kept or share < MIN_STORED_SHARE:
        return False
    quoted = sorted(kept, key=lambda passage: -passage.length)[:QUOTED_PASSAGES]
    WhitepaperMatch.objects.create(
        offering_id=copier.offering_id,
        document_id=copier.document_id,
        source_offering_id=source.offering_id,
        source_document_id=source.document_id,
        share=round(share, 4),
        passages=[
            {
                "text": pair.copier.excerpt(passage.start, passage.stop),
                "source_text": pair.source.excerpt(
                    passage.other_start, passage.other_start + passage.other_length
                ),
                "words": passage.length,
            }
            for passage in quoted
        ],
        compared_at=now,
    )
    return True


@dataclass
class RecompareReport:
    whitepapers: int = 0
    matches: int = 0
    offering_ids: list[int] = field(default_factory=list)


def whitepapers_recompare(*, offering_ids: list[int] | None = None) -> RecompareReport:
    """Compare indexed whitepapers again, as they would be compared if indexed today: after a
    sale date moved (which of two is the copy can change) or a passage became common enough to
    count as boilerplate. `offering_ids` limits it to those offerings' whitepapers and the
    whitepapers recorded as copying them; None compares every indexed whitepaper."""
    signatures = WhitepaperSignature.objects.all()
    if offering_ids is not None:
        copiers = WhitepaperMatch.objects.filter(source_offering_id__in=offering_ids)
        signatures = signatures.filter(offering_id__in=offering_ids) | signatures.filter(
            offering_id__in=copiers.values("offering_id")
        )
    report = RecompareReport()
    changed: set[int] = set()
    for document_id in signatures.order_by("pk").values_list("document_id", flat=True):
        indexed = whitepaper_index(document_id=document_id, force=True)
        report.whitepapers += indexed.indexed
        report.matches += indexed.matches
        changed.update(indexed.offering_ids)
    report.offering_ids = sorted(changed)
    return report
