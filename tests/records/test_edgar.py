"""The EDGAR client and filing checks against a local server shaped like EDGAR: full-text
search, submissions JSON, Form D documents, 429/5xx faults and the 10-requests-a-second limit."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offerings.resilience import Backoff, ProviderError
from records.edgar import EdgarNotConfigured, edgar_from_settings
from records.filings import filing_verify, issuer_search
from records.models import Filing, FilingCheck
from tests.factories import OfferingFactory
from tests.fakes.edgar import filing
from tests.records.conftest import USER_AGENT, fixture

pytestmark = pytest.mark.django_db

ISSUER_CIK = "1800001"
ACCESSION = "0001800001-24-000007"
NO_WAIT = Backoff(base=0.0, cap=1.0, random=lambda: 0.0)


@pytest.fixture
def issuer(edgar_server):
    edgar_server.company(
        ISSUER_CIK,
        "Ledgerline Securities Inc.",
        filing(ACCESSION, "D", "2024-03-15"),
        filing("0001800001-24-000009", "C", "2024-05-01", "form_c.xml"),
        filing("0001800001-24-000011", "10-Q", "2024-08-01", "q.htm"),
    )
    edgar_server.documents[
        f"/Archives/edgar/data/{ISSUER_CIK}/{ACCESSION.replace('-', '')}/primary_doc.xml"
    ] = fixture("form_d_primary_doc.xml").read_bytes()
    edgar_server.full_text["Ledgerline Securities Inc."] = [(ISSUER_CIK, ACCESSION)]
    return edgar_server


def sto(**kwargs):
    return OfferingFactory(
        **{
            "kind": "sto",
            "token_type": "security",
            "legal_entity": "Ledgerline Securities Inc.",
            **kwargs,
        }
    )


def test_without_a_user_agent_naming_a_contact_edgar_is_never_called(settings, edgar_server):
    settings.EDGAR_USER_AGENT = ""
    with pytest.raises(EdgarNotConfigured, match="EDGAR_USER_AGENT"):
        edgar_from_settings()
    settings.EDGAR_USER_AGENT = "Offerwatch"
    with pytest.raises(EdgarNotConfigured, match="contact e-mail"):
        edgar_from_settings()
    with pytest.raises(CommandError, match="EDGAR_USER_AGENT"):
        call_command("verify_filings", stdout=StringIO())
    assert edgar_server.requests == []


def test_full_text_search_finds_the_issuers_filings(edgar_settings, issuer):
    edgar = edgar_from_settings()
    [hit] = edgar.search("Ledgerline Securities Inc.")

    assert (hit.accession, hit.cik, hit.form, hit.filed) == (
        ACCESSION,
        ISSUER_CIK,
        "D",
        dt.date(2024, 3, 15),
    )
    assert hit.company == "Ledgerline Securities Inc."
    seen = issuer.requests[-1]
    assert seen.query["q"] == ['"Ledgerline Securities Inc."']
    assert seen.query["forms"] == ["D,C,C-U,1-A"]
    assert seen.headers["user-agent"] == USER_AGENT


def test_a_verified_filing_is_stored_with_its_form_d_persons(edgar_settings, issuer):
    offering = sto(regulatory_filing=f"SEC Form D {ACCESSION}")

    check = filing_verify(offering=offering, edgar=edgar_from_settings())

    assert check.found and check.accession == ACCESSION
    assert check.evidence == (
        f"EDGAR lists Form D {ACCESSION} by Ledgerline Securities Inc. (CIK 1800001), "
        "filed 2024-03-15"
    )
    stored = Filing.objects.get(accession=ACCESSION)
    assert stored.related_persons[1] == {"name": "Bob Nguyen", "relationships": ["Promoter"]}
    assert stored.url.endswith(f"/1800001/{ACCESSION.replace('-', '')}/{ACCESSION}-index.htm")
    # The issuer's other offering filings are kept; its periodic reports are not.
    assert set(Filing.objects.values_list("form", flat=True)) == {"D", "C"}


def test_a_claimed_filing_that_edgar_does_not_hold_is_recorded_as_missing(edgar_settings, issuer):
    offering = sto(regulatory_filing="Form D 0001800001-24-000999")

    check = filing_verify(offering=offering, edgar=edgar_from_settings())

    assert not check.found and check.filing is None
    assert "accession 0001800001-24-000999 is not among the EDGAR filings of CIK 1800001" in (
        check.evidence
    )


def test_an_unknown_cik_is_looked_past_not_an_error(edgar_settings, issuer):
    offering = sto(
        regulatory_filing="https://www.sec.gov/Archives/edgar/data/999/000999000024000001/x.htm",
        legal_entity="",
    )
    check = filing_verify(offering=offering, edgar=edgar_from_settings())
    assert not check.found and "CIK none found" in check.evidence


def test_a_claim_without_an_accession_number_is_not_checked(edgar_settings, issuer):
    offering = sto(regulatory_filing="BaFin prospectus 2024")
    assert filing_verify(offering=offering, edgar=edgar_from_settings()) is None
    assert issuer.requests == [] and not FilingCheck.objects.exists()


def test_429_and_5xx_are_retried_honouring_retry_after(edgar_settings, issuer, monkeypatch):
    waits = []
    issuer.fail("/submissions/", 429, retry_after="1")
    issuer.fail("/submissions/", 503)
    edgar = edgar_from_settings(backoff=NO_WAIT, sleep=waits.append)

    [first, *_] = edgar.filings(ISSUER_CIK)

    assert first.accession == ACCESSION
    assert waits == [1.0, 0.0]
    assert len([r for r in issuer.requests if r.path.startswith("/submissions/")]) == 3


def test_when_edgar_keeps_failing_nothing_is_recorded(edgar_settings, issuer):
    issuer.fail("/submissions/", 500, times=10)
    offering = sto(regulatory_filing=f"SEC Form D {ACCESSION}")
    edgar = edgar_from_settings(backoff=NO_WAIT, sleep=lambda seconds: None)

    with pytest.raises(ProviderError, match="HTTP 500, 3 attempts"):
        filing_verify(offering=offering, edgar=edgar)
    assert not FilingCheck.objects.exists()


def test_requests_stay_under_ten_a_second(edgar_settings, issuer):
    edgar = edgar_from_settings()
    for _ in range(6):
        edgar.filings(ISSUER_CIK)

    times = [request.at for request in issuer.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # One token a tenth of a second (a burst of one): 6 calls take at least half a second.
    assert times[-1] - times[0] >= 0.5 - 0.02
    assert min(gaps) >= 0.1 - 0.02


def test_the_rate_limit_cannot_be_configured_above_edgars(settings, edgar_settings):
    settings.EDGAR_REQUESTS_PER_SECOND = 50
    assert edgar_from_settings().http.limiter.interval == pytest.approx(0.1)


def test_issuer_search_stores_what_it_finds(edgar_settings, issuer):
    [found] = issuer_search(offering=sto(), edgar=edgar_from_settings())
    assert found.accession == ACCESSION and found.related_persons is None


def test_verify_filings_reports_each_outcome(edgar_settings, issuer):
    sto(regulatory_filing=f"SEC Form D {ACCESSION}")
    sto(regulatory_filing="Form D 0001800001-24-000999")
    sto(regulatory_filing="BaFin prospectus")
    OfferingFactory(regulatory_filing="")
    out = StringIO()

    call_command("verify_filings", stdout=out)

    assert out.getvalue().strip() == (
        "3 claimed filings: 1 found on EDGAR, 1 not found, 1 without an accession number, "
        "0 not checked (EDGAR failed)"
    )


def test_the_daily_sweep_checks_claims_not_yet_checked_as_worded(edgar_settings, issuer):
    from records.tasks import verify_due_filings

    checked = sto(regulatory_filing=f"SEC Form D {ACCESSION}")
    sto(regulatory_filing="BaFin prospectus")
    assert verify_due_filings() == {"checked": 1, "failed": 0}
    assert FilingCheck.objects.get().offering == checked
    assert verify_due_filings() == {"checked": 0, "failed": 0}

    checked.regulatory_filing = "SEC Form D 0001800001-24-000999"
    checked.save()
    assert verify_due_filings() == {"checked": 1, "failed": 0}
    assert FilingCheck.objects.get().found is False


def test_the_sweep_does_nothing_without_a_user_agent(settings, edgar_server):
    from records.tasks import verify_due_filings

    settings.EDGAR_USER_AGENT = ""
    sto(regulatory_filing=f"SEC Form D {ACCESSION}")
    assert verify_due_filings() == {"skipped": "EDGAR_USER_AGENT is not set"}
    assert edgar_server.requests == []
