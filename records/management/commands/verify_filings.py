"""manage.py verify_filings [--offering SLUG]: check claimed filings against EDGAR."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from offerings.models import Offering
from records.edgar import EdgarNotConfigured, edgar_from_settings
from records.filings import filings_verify


class Command(BaseCommand):
    help = (
        "Check each offering's regulatory_filing that names an accession number or EDGAR URL "
        "against EDGAR (needs EDGAR_USER_AGENT with a contact e-mail)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--offering", metavar="SLUG")

    def handle(self, *args, offering: str | None, **options) -> None:
        offerings = Offering.objects.all()
        if offering:
            offerings = offerings.filter(slug=offering)
            if not offerings.exists():
                raise CommandError(f"--offering {offering!r}: no such offering")
        try:
            edgar = edgar_from_settings()
        except EdgarNotConfigured as exc:
            raise CommandError(str(exc)) from None
        try:
            report = filings_verify(offerings=offerings, edgar=edgar)
        finally:
            edgar.close()
        self.stdout.write(
            f"{report.offerings} claimed filings: {report.verified} found on EDGAR, "
            f"{report.missing} not found, {report.not_checkable} without an accession number, "
            f"{report.failed} not checked (EDGAR failed)"
        )
