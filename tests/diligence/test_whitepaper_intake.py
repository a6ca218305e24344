import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from diligence.whitepaper_intake import fetch_limits, whitepaper_fetch, whitepapers_due
from offerings.models import Document, WhitepaperSignature
from offerings.safe_fetch import FetchFailed, FetchLimits, fetch_bounded
from tests.factories import OfferingFactory
from tests.fakes.whitepaper_host import WhitepaperHost

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def host():
    server = WhitepaperHost().start()
    yield server
    server.stop()


@pytest.fixture
def local(settings):
    """The local-testing switches: the host is on the loopback address, over plain http."""
    settings.OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS = True
    settings.OFFERWATCH_FETCH_ALLOW_HTTP = True
    settings.WHITEPAPER_FETCH_TIMEOUT_S = 2
    settings.WHITEPAPER_FETCH_TOTAL_S = 5
    return settings


def offering_at(url: str):
    return OfferingFactory(whitepaper_url=url)


def test_a_pdf_whitepaper_is_stored_with_its_hash_text_and_provenance(host, local):
    offering = offering_at(f"{host.base}/paper.pdf")

    result = whitepaper_fetch(offering_id=offering.pk)

    assert result.outcome == "stored", result.detail
    document = Document.objects.get(pk=result.document_id)
    assert document.kind == "whitepaper"
    assert document.url == offering.whitepaper_url
    assert "settlement fees" in document.text
    assert document.page_count == 1
    assert document.content_type == "application/pdf"
    assert document.fetched_at is not None
    assert document.etag == '"v1"'
    assert document.sha256 == hashlib.sha256(host.pdf).hexdigest()
    assert WhitepaperSignature.objects.get(offering=offering).document_id == document.pk


def test_an_unchanged_whitepaper_adds_no_row_by_etag_or_by_hash(host, local):
    offering = offering_at(f"{host.base}/paper.pdf")
    whitepaper_fetch(offering_id=offering.pk)

    again = whitepaper_fetch(offering_id=offering.pk)
    assert again.outcome == "unchanged"
    assert host.requests[-1][1].get("if-none-match") == '"v1"'

    host.pdf_etag = '"v2"'  # a new validator over the same bytes
    by_hash = whitepaper_fetch(offering_id=offering.pk)
    assert (by_hash.outcome, by_hash.detail) == ("unchanged", "same SHA-256")
    assert Document.objects.filter(offering=offering).count() == 1


def test_a_changed_whitepaper_is_a_new_document_that_replaces_the_indexed_one(host, local):
    from tests.pdfs import text_pdf

    offering = offering_at(f"{host.base}/paper.pdf")
    first = whitepaper_fetch(offering_id=offering.pk)
    host.pdf, host.pdf_etag = text_pdf("Lumen Protocol, revised: fees fund the validators."), '"v2"'

    second = whitepaper_fetch(offering_id=offering.pk)

    assert second.outcome == "stored"
    assert second.document_id != first.document_id
    assert Document.objects.filter(offering=offering).count() == 2
    assert WhitepaperSignature.objects.get(offering=offering).document_id == second.document_id


def test_an_html_whitepaper_is_read_as_text_without_scripts_or_styles(host, local):
    offering = offering_at(f"{host.base}/paper.html")

    result = whitepaper_fetch(offering_id=offering.pk)

    text = Document.objects.get(pk=result.document_id).text
    assert "Lumen settles payments between merchants & wallets." in text
    assert "hidden" not in text and "color" not in text


def test_a_redirect_to_a_private_address_is_refused():
    """The guard proper (no local-testing switch for private addresses): the first hop's host
    resolves to a public address (a stand-in resolver), routed to the local host like a hosts
    file entry; its redirect to 10.0.0.5 is checked again and refused."""
    server = WhitepaperHost().start()
    port = int(server.base.rsplit(":", 1)[1])

    class Routed(httpx.HTTPTransport):
        def handle_request(self, request):
            if request.url.host == "93.184.216.34":
                request.url = request.url.copy_with(host="127.0.0.1")
            return super().handle_request(request)

    limits = FetchLimits(
        allow_http=True, allow_private=False, max_bytes=10_000, timeout_s=2, total_s=5
    )
    try:
        with pytest.raises(FetchFailed, match=r"10\.0\.0\.5.*a private address"):
            fetch_bounded(
                f"http://papers.example:{port}/to_private",
                limits=limits,
                resolver=lambda host, port: ["93.184.216.34"],
                transport=Routed(),
            )
        assert [path for path, _ in server.requests] == ["/to_private"]
    finally:
        server.stop()


def test_the_loopback_host_itself_is_refused_without_the_local_testing_switch(host, settings):
    settings.OFFERWATCH_FETCH_ALLOW_HTTP = True
    offering = offering_at(f"{host.base}/paper.pdf")
    result = whitepaper_fetch(offering_id=offering.pk)
    assert result.outcome == "refused"
    assert "a loopback address; whitepaper URLs must be public" in result.detail
    assert host.requests == []


def test_plain_http_is_refused_without_its_switch(host, settings):
    settings.OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS = True
    result = whitepaper_fetch(offering_id=offering_at(f"{host.base}/paper.pdf").pk)
    assert "uses http://; whitepaper URLs must use https://" in result.detail


@pytest.mark.parametrize("path", ["/huge.pdf", "/endless.pdf"], ids=["declared", "streamed"])
def test_a_file_over_the_size_limit_is_refused(host, local, path):
    local.WHITEPAPER_MAX_BYTES = 1024 * 1024
    started = time.monotonic()
    result = whitepaper_fetch(offering_id=offering_at(host.base + path).pk)
    assert result.outcome == "refused"
    assert "1,048,576" in result.detail
    assert time.monotonic() - started < 5
    assert not Document.objects.exists()


def test_a_wrong_content_type_is_refused(host, local):
    result = whitepaper_fetch(offering_id=offering_at(f"{host.base}/image.png").pk)
    assert result.outcome == "refused"
    assert "content type 'image/png'" in result.detail


def test_a_pdf_declared_as_html_is_refused(host, local):
    result = whitepaper_fetch(offering_id=offering_at(f"{host.base}/disguised.html").pk)
    assert "declared text/html but holds a PDF" in result.detail


def test_a_slow_drip_is_cut_off_by_the_wall_clock_cap(host, local):
    local.WHITEPAPER_FETCH_TOTAL_S = 1
    started = time.monotonic()
    result = whitepaper_fetch(offering_id=offering_at(f"{host.base}/drip.pdf").pk)
    elapsed = time.monotonic() - started
    assert result.outcome == "refused"
    assert "gave up after 1 s" in result.detail
    assert elapsed < 3  # the cap plus at most one read timeout


def test_the_command_fetches_one_offering_by_slug(host, local, capsys):
    wanted = offering_at(f"{host.base}/paper.html")
    offering_at(f"{host.base}/paper.pdf")

    call_command("fetch_documents", "--offering", wanted.slug)

    assert "1 whitepapers: 1 stored" in capsys.readouterr().out
    assert list(Document.objects.values_list("offering_id", flat=True)) == [wanted.pk]


def test_fetched_whitepapers_are_not_due_again_until_the_refetch_interval(host, local):
    offering = offering_at(f"{host.base}/paper.html")
    OfferingFactory(whitepaper_url="")
    assert list(whitepapers_due()) == [offering.pk]
    whitepaper_fetch(offering_id=offering.pk)
    assert list(whitepapers_due()) == []


def test_the_beat_schedule_fetches_whitepapers(settings):
    assert settings.CELERY_BEAT_SCHEDULE["fetch-whitepapers"]["task"] == (
        "diligence.tasks.fetch_whitepapers"
    )
    assert fetch_limits().allow_private is False


@pytest.mark.parametrize(
    "switch", ["OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS", "OFFERWATCH_FETCH_ALLOW_HTTP"]
)
def test_production_settings_refuse_the_local_testing_switches(switch):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {**clean, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "s" * 50, switch: "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refused when DJANGO_DEBUG is off" in result.stderr
