"""Copied-whitepaper benchmark: adding one whitepaper to an indexed corpus (goal: under 1 s at
10,000 whitepapers).

    python -m bench.whitepapers --corpus 10000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench_whitepapers

Seeds once (kept for later runs) `corpus` offerings with a synthetic whitepaper each (about 800
made-up words, bench/whitepaper_corpus.py), indexed for real: MinHash signature, 64 band keys
and sampled shingles per document. Then, after a warm-up, times `whitepaper_index` for a new
whitepaper, each in a transaction rolled back so the corpus stays the same: one that copies 40%
of a corpus whitepaper (found, aligned and recorded as a match) and one that copies nothing.
Writes bench/whitepapers.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPORT_PATH = Path(__file__).with_name("whitepapers.json")
PARAGRAPHS = 10  # about 800 words a whitepaper
SEED_BATCH = 500
SLUG_PREFIX = "bench-wp-"


class _Rollback(Exception):
    pass


def corpus_seed(size: int, *, progress=None) -> int:
    """Offerings with an indexed whitepaper each, up to `size` (those already seeded are kept);
    returns how many were added. Written in bulk: the index rows are computed as
    whitepaper_index computes them, without its comparisons (the corpus is unrelated text)."""
    from django.db import transaction
    from django.utils import timezone

    from bench.whitepaper_corpus import Corpus
    from offerings.models import (
        Document,
        Offering,
        WhitepaperBand,
        WhitepaperShingle,
        WhitepaperSignature,
    )
    from offerings.whitepapers.boilerplate import boilerplate_keys
    from offerings.whitepapers.signature import band_keys, minhash, to_bytes
    from offerings.whitepapers.words import sampled, shingle_keys, words

    have = WhitepaperSignature.objects.count()
    corpus, now, added = Corpus(seed=have + 1), timezone.now(), 0
    # The seeded offerings of a bench database get the whitepapers first (so its offering
    # count stays the seed's); more are created only when there are too few.
    unindexed = list(
        Offering.objects.filter(whitepaper_signature__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: max(0, size - have)]
    )
    start = dt.date(2017, 1, 1)
    while have + added < size:
        batch = range(have + added, min(size, have + added + SEED_BATCH))
        with transaction.atomic():
            reused = unindexed[added : added + len(batch)]
            offerings = list(Offering.objects.filter(pk__in=reused).order_by("pk"))
            offerings += Offering.objects.bulk_create(
                Offering(
                    name=f"Bench paper {n}",
                    slug=f"{SLUG_PREFIX}{n}",
                    symbol=f"BWP{n}",
                    kind=Offering.Kind.ICO,
                    start_date=start + dt.timedelta(days=n % 2000),
                    whitepaper_url=f"https://papers.example/{n}.pdf",
                )
                for n in batch[len(reused) :]
            )
            texts = ["\n\n".join(corpus.paragraphs(PARAGRAPHS)) for _ in batch]
            documents = Document.objects.bulk_create(
                Document(offering=o, kind=Document.Kind.WHITEPAPER, url="", text=t)
                for o, t in zip(offerings, texts, strict=True)
            )
            signatures, bands, shingles = [], [], []
            for offering, document in zip(offerings, documents, strict=True):
                tokens = words(document.text).tokens
                keys = set(shingle_keys(tokens)) - boilerplate_keys()
                values = minhash(keys)
                signatures.append(
                    WhitepaperSignature(
                        offering=offering,
                        document=document,
                        minhash=to_bytes(values),
                        tokens=len(tokens),
                        indexed_at=now,
                        compared_at=now,
                    )
                )
                bands.append(band_keys(values))
                shingles.append(sampled(keys))
            signatures = WhitepaperSignature.objects.bulk_create(signatures)
            WhitepaperBand.objects.bulk_create(
                (
                    WhitepaperBand(signature=signature, band=band, key=key)
                    for signature, keys in zip(signatures, bands, strict=True)
                    for band, key in enumerate(keys)
                ),
                batch_size=5000,
            )
            WhitepaperShingle.objects.bulk_create(
                (
                    WhitepaperShingle(signature=signature, key=key)
                    for signature, keys in zip(signatures, shingles, strict=True)
                    for key in keys
                ),
                batch_size=5000,
            )
        added += len(batch)
        if progress:
            progress(added)
    return added


def _add_one(text: str) -> tuple[float, int, int]:
    """Seconds to index one new whitepaper, its candidates and matches (rolled back)."""
    from django.db import transaction

    from offerings.models import Document, Offering
    from offerings.whitepapers.copies import whitepaper_index

    try:
        with transaction.atomic():
            offering = Offering.objects.create(
                name="Bench newcomer", slug="bench-newcomer", start_date=dt.date(2026, 1, 1)
            )
            document = Document.objects.create(offering=offering, text=text)
            started = time.perf_counter()
            report = whitepaper_index(document_id=document.pk)
            seconds = time.perf_counter() - started
            raise _Rollback((seconds, report.candidates, report.matches))
    except _Rollback as done:
        return done.args[0]


def measure(*, repeats: int = 10) -> dict:
    from django.db import connection

    from bench.whitepaper_corpus import Corpus
    from offerings.models import WhitepaperSignature

    corpus = Corpus(seed=99)
    size = WhitepaperSignature.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE offerings_whitepaperband; ANALYZE offerings_whitepapershingle")
    sources = list(
        WhitepaperSignature.objects.order_by("pk").values_list("document__text", flat=True)[
            : repeats + 2
        ]
    )
    figures: dict = {"whitepapers_corpus": size, "whitepapers_repeats": repeats}
    for key, make in (
        ("copy", lambda n: "\n\n".join(corpus.copy_of(sources[n].split("\n\n"), 0.4, total=10))),
        ("new", lambda n: "\n\n".join(corpus.paragraphs(PARAGRAPHS))),
    ):
        _add_one(make(0))  # warm-up
        runs = [_add_one(make(n + 1)) for n in range(repeats)]
        times = sorted(seconds * 1000 for seconds, _, _ in runs)
        figures[f"whitepapers_add_{key}_p50_ms"] = round(statistics.median(times), 1)
        figures[f"whitepapers_add_{key}_max_ms"] = round(times[-1], 1)
        figures[f"whitepapers_add_{key}_candidates"] = max(c for _, c, _ in runs)
        figures[f"whitepapers_add_{key}_matches"] = min(m for _, _, m in runs)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.whitepapers", description=__doc__)
    parser.add_argument("--corpus", type=int, default=10_000, help="whitepapers (default 10000)")
    parser.add_argument("--repeats", type=int, default=10, help="timed additions per figure")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ow_bench_whitepapers"
        ),
    )
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

    from bench.rescore import _configure

    _configure(args.database_url, recreate=args.reseed)
    started = time.perf_counter()
    added = corpus_seed(
        args.corpus, progress=lambda n: print(".", end="", flush=True, file=sys.stderr)
    )
    if added:
        print(f"\nseeded {added:,} whitepapers in {time.perf_counter() - started:.0f} s")
    report = {"scale": args.corpus, **measure(repeats=args.repeats)}
    print(json.dumps(report, indent=2))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
