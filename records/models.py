"""Public records: regulators' actions and warnings, SEC filings, sanctioned addresses, the
imports they came from, and proposed links from records to offerings that an analyst decides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from offerings.models import Offering


class ListImport(models.Model):
    """One import of a public list (a feed refresh, a file given to a command): where and when
    it came from, so a flag can quote it, and whether a list was ever consulted at all."""

    class Source(models.TextChoices):
        SEC_LITIGATION = "sec_litigation", "SEC litigation releases (RSS)"
        CFTC_RED = "cftc_red", "CFTC RED list"
        REGULATOR_CSV = "regulator_csv", "Regulator warning list (CSV)"
        OFAC_SDN = "ofac_sdn", "OFAC SDN list (digital-currency addresses)"

    REGULATOR_SOURCES = (Source.SEC_LITIGATION, Source.CFTC_RED, Source.REGULATOR_CSV)

    source = models.CharField(max_length=20, choices=Source.choices)
    origin = models.CharField(max_length=500, help_text="The feed URL or the file's name.")
    sha256 = models.CharField(max_length=64)
    entries = models.PositiveIntegerField()
    created = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["source", "-imported_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} at {self.imported_at:%Y-%m-%d %H:%M}"


class PublicRecord(models.Model):
    """A regulator's action (a complaint, an order, a litigation release) or warning (an
    unregistered-firm alert) naming people, firms, tokens or web domains."""

    class Kind(models.TextChoices):
        ACTION = "action", "Enforcement action"
        WARNING = "warning", "Warning"

    authority = models.CharField(max_length=100, help_text="SEC, CFTC, FCA, BaFin …")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    date = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=500)
    names = models.JSONField(default=list, blank=True, help_text="People and firms named.")
    tokens = models.JSONField(default=list, blank=True, help_text="Token names or symbols.")
    domains = models.JSONField(default=list, blank=True, help_text="Web domains named.")
    url = models.URLField(max_length=500)
    source = models.CharField(max_length=20, choices=ListImport.Source.choices)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "url"], name="public_record_unique_url")
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.kind} {self.date or ''}: {self.title[:80]}"


class RecordMatch(models.Model):
    """A proposed link from a public record to an offering. Names collide, so nothing is linked
    until an analyst confirms it; a rejected proposal is never proposed again."""

    class Method(models.TextChoices):
        DOMAIN = "domain", "Same web domain"
        SYMBOL = "symbol", "Same token symbol"
        NAME = "name", "Same project name"
        LEGAL_ENTITY = "legal_entity", "Same legal entity"
        TEAM = "team", "Team member named"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    record = models.ForeignKey(PublicRecord, on_delete=models.CASCADE, related_name="matches")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="record_matches")
    method = models.CharField(max_length=12, choices=Method.choices)
    score = models.DecimalField(max_digits=3, decimal_places=2, help_text="0–1: how specific.")
    evidence = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why, in the analyst's words.")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "record matches"
        ordering = ["state", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "offering"], name="record_match_unique")
        ]
        indexes = [models.Index(fields=["offering", "state"])]
        permissions = [("decide_recordmatch", "Can confirm or reject public-record matches")]

    def __str__(self) -> str:
        return f"{self.offering_id} ← record {self.record_id} ({self.state})"


class Filing(models.Model):
    """A filing as EDGAR lists it (Form D, C, C-U, 1-A …), with the officers and promoters a
    Form D names."""

    accession = models.CharField(max_length=20, unique=True, help_text="0001234567-21-000001")
    cik = models.CharField("CIK", max_length=10, db_index=True)
    company = models.CharField(max_length=200, blank=True)
    form = models.CharField(max_length=20)
    filed = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=500)
    # [{"name": "Jane Doe", "relationships": ["Executive Officer", "Promoter"]}]; None: not read.
    related_persons = models.JSONField(null=True, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["-filed", "accession"]

    def __str__(self) -> str:
        return f"Form {self.form} {self.accession}"


class FilingCheck(models.Model):
    """The verdict of checking an offering's claimed filing (`regulatory_filing`) against
    EDGAR: found (with its filing) or not, for the claim as it was worded at the check."""

    offering = models.OneToOneField(
        Offering, on_delete=models.CASCADE, primary_key=True, related_name="filing_check"
    )
    claim = models.CharField(max_length=300)
    accession = models.CharField(max_length=20)
    found = models.BooleanField()
    filing = models.ForeignKey(Filing, on_delete=models.SET_NULL, null=True, blank=True)
    evidence = models.CharField(max_length=500)
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.accession}: {'found' if self.found else 'not on EDGAR'}"


class SanctionedAddress(models.Model):
    """A digital-currency address on OFAC's SDN list, with the entry that lists it."""

    address = models.CharField(max_length=120, unique=True, help_text="0x… lower-cased")
    currency = models.CharField(max_length=12, help_text="ETH, XBT, USDT …")
    entry_uid = models.CharField(max_length=20)
    entry_name = models.CharField(max_length=300)
    programs = models.CharField(max_length=200, blank=True)
    imported = models.ForeignKey(ListImport, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name_plural = "sanctioned addresses"
        ordering = ["entry_name", "address"]

    def __str__(self) -> str:
        return f"{self.address} ({self.entry_name})"
