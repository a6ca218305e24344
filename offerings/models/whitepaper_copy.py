"""The copied-whitepaper index: one MinHash signature per offering's current whitepaper, its
locality-sensitive band hashes, a sample of its shingles (for document frequencies) and the
passages it shares with other offerings' whitepapers (offerings.whitepapers)."""

from __future__ import annotations

from django.db import models

from .document import Document
from .offering import Offering


class WhitepaperSignature(models.Model):
    """The indexed whitepaper of an offering (its newest with text): one per offering."""

    offering = models.OneToOneField(
        Offering, on_delete=models.CASCADE, related_name="whitepaper_signature"
    )
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="+")
    minhash = models.BinaryField(help_text="MinHash values, little-endian uint32")
    tokens = models.PositiveIntegerField(help_text="words in the normalised text")
    indexed_at = models.DateTimeField()
    compared_at = models.DateTimeField(
        null=True, blank=True, help_text="when it was last compared with the other whitepapers"
    )

    def __str__(self) -> str:
        return f"whitepaper signature of {self.offering_id}"


class WhitepaperBand(models.Model):
    """One LSH band of a signature: documents sharing (band, key) are candidates."""

    signature = models.ForeignKey(WhitepaperSignature, on_delete=models.CASCADE, related_name="+")
    band = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["band", "key"], name="whitepaper_band_key")]

    def __str__(self) -> str:
        return f"band {self.band}={self.key} of signature {self.signature_id}"


class WhitepaperShingle(models.Model):
    """A sampled shingle (hash) of an indexed whitepaper: how many offerings' whitepapers hold a
    passage tells boilerplate (disclaimers, licences) from a copy."""

    signature = models.ForeignKey(WhitepaperSignature, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key"], name="whitepaper_shingle_key")]

    def __str__(self) -> str:
        return f"shingle {self.key} of signature {self.signature_id}"


class WhitepaperMatch(models.Model):
    """Text of `document` found in an earlier whitepaper of another offering (`source`)."""

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="whitepaper_matches"
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    source_offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    source_document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    share = models.FloatField(help_text="share of the document's words in matched passages, 0–1")
    passages = models.JSONField(
        help_text="[{text, source_text, words}] the longest matched passages, short excerpts"
    )
    compared_at = models.DateTimeField()

    class Meta:
        ordering = ["offering_id", "-share"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "source_document"], name="whitepaper_match_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.share:.0%} of document {self.document_id} from {self.source_document_id}"
