"""The copied-whitepaper benchmark runs end to end at a tiny scale (sense, not speed)."""

from __future__ import annotations

import pytest

from bench.whitepapers import corpus_seed, measure
from offerings.models import Offering, WhitepaperBand, WhitepaperMatch, WhitepaperSignature
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_the_benchmark_seeds_an_indexed_corpus_and_times_additions():
    OfferingFactory.create_batch(3)  # a bench database's offerings get whitepapers first
    assert corpus_seed(40) == 40
    assert Offering.objects.count() == 40
    assert WhitepaperSignature.objects.count() == 40
    assert WhitepaperBand.objects.count() == 40 * 64
    assert corpus_seed(40) == 0

    report = measure(repeats=2)

    assert report["whitepapers_corpus"] == 40
    assert report["whitepapers_add_copy_matches"] == 1  # the copied corpus paper is found
    assert report["whitepapers_add_new_matches"] == 0
    assert report["whitepapers_add_copy_p50_ms"] > 0
    assert not WhitepaperMatch.objects.exists()  # every addition was rolled back
    assert WhitepaperSignature.objects.count() == 40
