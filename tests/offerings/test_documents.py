from __future__ import annotations

import hashlib
import io
import random
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.errors import LimitReachedError

from offerings import pdf
from offerings.models import Document, Offering
from offerings.pdf import inspect_pdf
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:offerings_offering_add")
INLINES = ["team", "allocations", "rounds", "audits", "documents", "socials"]
NOT_A_PDF = b"Meeting notes: the whitepaper is not ready yet.\n" * 40
BROKEN_PDF = b"%PDF-1.7\n" + b"this is not a PDF body at all " * 40


def pdf_bytes(pages: int = 5, password: str | None = None, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def rejection(data: bytes, name: str = "whitepaper.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        inspect_pdf(io.BytesIO(data), name=name)
    return caught.value


def test_a_real_pdf_is_accepted_with_its_fingerprint_size_and_page_count():
    data = pdf_bytes(pages=5)
    stream = io.BytesIO(data)
    facts = inspect_pdf(stream, name="whitepaper.pdf")
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)
    assert facts.page_count == 5
    assert stream.read() == data, "the stream is rewound for whoever saves it next"


def test_a_pdf_larger_than_one_read_is_fingerprinted_whole():
    data = pdf_bytes(pages=2, padding=2_500_000)
    facts = inspect_pdf(io.BytesIO(data))
    assert facts.size == len(data) > 2 * 1024 * 1024
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.page_count == 2


@pytest.mark.parametrize(
    "data",
    [NOT_A_PDF, b"", b"PK\x03\x04" + b"\0" * 600],
    ids=["text", "empty", "zip"],
)
def test_content_without_a_pdf_header_is_rejected(data):
    error = rejection(data)
    assert error.code == "not_pdf"
    assert error.messages == ["whitepaper.pdf is not a PDF: its content does not start with %PDF-"]


def test_a_pdf_header_after_other_content_is_rejected():
    """Regression: the header was searched in the first kilobyte, so an HTML or script
    polyglot with a PDF after it passed as a PDF."""
    polyglot = b"<html><script>alert(1)</script>\n" + pdf_bytes(pages=1)
    assert rejection(polyglot).code == "not_pdf"


def test_a_pdf_over_the_page_cap_is_rejected(settings):
    settings.OFFERWATCH_MAX_PDF_PAGES = 3
    error = rejection(pdf_bytes(pages=4))
    assert error.code == "too_many_pages"
    assert error.messages == [
        "whitepaper.pdf has 4 pages, more than the 3-page limit (OFFERWATCH_MAX_PDF_PAGES)"
    ]


@pytest.mark.parametrize(
    "data",
    [BROKEN_PDF, b"%PDF-", b"%PDF-1.4\n%%EOF\n", b"%PDF-1.4\n" + bytes(range(256)) * 8],
    ids=["words", "header-only", "header-and-eof", "binary"],
)
def test_a_pdf_header_followed_by_garbage_is_rejected(data):
    error = rejection(data)
    assert error.code == "not_pdf"
    assert "whitepaper.pdf is not a readable PDF" in error.messages[0]


def test_a_pdf_without_pages_is_rejected():
    assert rejection(pdf_bytes(pages=0)).code == "empty_pdf"


def test_an_encrypted_pdf_is_rejected():
    error = rejection(pdf_bytes(pages=2, password="hunter2"))
    assert error.code == "encrypted_pdf"
    assert error.messages == ["whitepaper.pdf is encrypted; upload an unencrypted PDF"]


def test_a_pdf_above_the_size_limit_is_rejected_and_one_at_the_limit_is_not(settings):
    data = pdf_bytes(pages=3)
    settings.OFFERWATCH_MAX_UPLOAD_BYTES = len(data) - 1
    error = rejection(data)
    assert error.code == "too_large"
    assert "whitepaper.pdf is larger than the" in error.messages[0]
    assert f"{len(data) - 1} bytes" in error.messages[0]
    settings.OFFERWATCH_MAX_UPLOAD_BYTES = len(data)
    assert inspect_pdf(io.BytesIO(data)).size == len(data)


def test_a_large_pdf_is_rejected_without_reading_it_all(settings):
    settings.OFFERWATCH_MAX_UPLOAD_BYTES = 1024 * 1024
    data = pdf_bytes(pages=1, padding=3_000_000)
    stream = io.BytesIO(data)
    with pytest.raises(ValidationError, match=r"larger than the 1\.0 MB limit"):
        inspect_pdf(stream)
    assert stream.tell() < len(data)


@pytest.mark.parametrize(
    "error",
    [
        LimitReachedError("Detected loop with self reference"),
        AttributeError("'NumberObject' object has no attribute 'items'"),
        RecursionError("maximum recursion depth exceeded"),
        IndexError("list index out of range"),
    ],
    ids=type,
)
def test_any_failure_of_the_pdf_parser_is_a_rejection_not_a_crash(monkeypatch, error):
    def explode(stream):
        raise error

    monkeypatch.setattr(pdf, "PdfReader", explode)
    assert rejection(pdf_bytes(pages=1)).code == "not_pdf"


def test_no_corruption_of_a_real_pdf_crashes_the_inspection():
    original = pdf_bytes(pages=3)
    rng = random.Random(2026)
    outcomes = {"accepted": 0, "rejected": 0}
    for _ in range(2000):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(9, len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(9, len(data))]
        try:
            facts = inspect_pdf(io.BytesIO(bytes(data)))
        except ValidationError:
            outcomes["rejected"] += 1
        else:
            assert facts.sha256 == hashlib.sha256(data).hexdigest()
            outcomes["accepted"] += 1
    assert outcomes["accepted"] and outcomes["rejected"]


def upload_form(upload: SimpleUploadedFile | None, **document) -> dict:
    data: dict = {"name": "Quartz Labs", "slug": "quartz-labs", "kind": "ico"}
    data |= {"restricted_countries": "", "backers": ""}
    for prefix in INLINES:
        rows = 1 if prefix == "documents" else 0
        data |= {f"{prefix}-TOTAL_FORMS": str(rows), f"{prefix}-INITIAL_FORMS": "0"}
    data |= {"documents-0-kind": "whitepaper", "documents-0-title": "", "documents-0-url": ""}
    if upload is not None:
        data["documents-0-file"] = upload
    data |= {f"documents-0-{name}": value for name, value in document.items()}
    return data


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_whitepaper_uploaded_in_the_admin_is_stored_with_its_facts(staff_client, settings):
    data = pdf_bytes(pages=4)
    upload = SimpleUploadedFile("whitepaper.pdf", data, content_type="application/pdf")
    response = staff_client.post(ADD, upload_form(upload, title="Whitepaper v1"))
    assert response.status_code == 302, response.context and response.context["errors"]
    document = Document.objects.get()
    assert document.offering.slug == "quartz-labs"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert (document.size_bytes, document.page_count) == (len(data), 4)
    # A random name: the uploader's file name reaches neither the disk nor a URL.
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.file.name)
    with document.file.open("rb") as stored:
        assert stored.read() == data
    change = reverse("admin:offerings_offering_change", args=[document.offering.pk])
    assert document.sha256 in staff_client.get(change).content.decode()
    detail = reverse("offerings:detail", args=["quartz-labs"])
    assert "4 pages" in staff_client.get(detail).content.decode()


def test_saving_the_offering_again_keeps_the_facts_of_an_earlier_upload(staff_client):
    data = pdf_bytes(pages=2)
    upload = SimpleUploadedFile("whitepaper.pdf", data, content_type="application/pdf")
    assert staff_client.post(ADD, upload_form(upload)).status_code == 302
    document = Document.objects.get()
    form = upload_form(None, id=str(document.pk), offering=str(document.offering.pk))
    form |= {"documents-INITIAL_FORMS": "1", "symbol": "QRTZ"}
    change = reverse("admin:offerings_offering_change", args=[document.offering.pk])
    assert staff_client.post(change, form).status_code == 302
    assert Offering.objects.get().symbol == "QRTZ"
    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert (document.size_bytes, document.page_count) == (len(data), 2)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("whitepaper.pdf", NOT_A_PDF, "whitepaper.pdf is not a PDF"),
        ("whitepaper.pdf", BROKEN_PDF, "whitepaper.pdf is not a readable PDF"),
        ("whitepaper.txt", pdf_bytes(pages=2), "File extension “txt” is not allowed"),
        ("whitepaper.pdf", pdf_bytes(pages=2, password="x"), "whitepaper.pdf is encrypted"),
        ("whitepaper.pdf", pdf_bytes(pages=0), "whitepaper.pdf has no pages"),
    ],
    ids=["text-named-pdf", "garbage-after-header", "wrong-extension", "encrypted", "no-pages"],
)
def test_a_bad_upload_is_rejected_in_the_admin_and_nothing_is_kept(
    staff_client, settings, filename, content, message
):
    upload = SimpleUploadedFile(filename, content, content_type="application/pdf")
    response = staff_client.post(ADD, upload_form(upload))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert not Offering.objects.exists()
    assert stored_files(settings) == []


def test_an_upload_above_the_size_limit_is_rejected_in_the_admin(staff_client, settings):
    data = pdf_bytes(pages=3)
    settings.OFFERWATCH_MAX_UPLOAD_BYTES = len(data) // 2
    upload = SimpleUploadedFile("whitepaper.pdf", data, content_type="application/pdf")
    response = staff_client.post(ADD, upload_form(upload))
    assert response.status_code == 200
    assert "whitepaper.pdf is larger than the" in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_document_needs_a_url_or_a_file():
    document = DocumentFactory.build(offering=Offering(), url="", file=None)
    with pytest.raises(ValidationError) as caught:
        document.full_clean(exclude=["offering"])
    assert caught.value.message_dict == {"url": ["give the document's URL or upload its PDF"]}


def test_a_document_given_by_url_alone_is_accepted(staff_client):
    form = upload_form(None, url="https://quartz.example/whitepaper.pdf", title="Whitepaper")
    assert staff_client.post(ADD, form).status_code == 302
    document = Document.objects.get()
    assert (document.url, document.sha256, document.page_count) == (
        "https://quartz.example/whitepaper.pdf",
        "",
        None,
    )


def test_an_uploaded_document_is_served_only_as_an_attachment_to_signed_in_users(
    staff_client, client, settings, viewer
):
    data = pdf_bytes(pages=1)
    upload = SimpleUploadedFile("whitepaper.pdf", data, content_type="application/pdf")
    assert staff_client.post(ADD, upload_form(upload)).status_code == 302
    document = Document.objects.get()
    url = reverse("offerings:document", args=["quartz-labs", document.pk])
    detail = staff_client.get(reverse("offerings:detail", args=["quartz-labs"])).content.decode()
    assert url in detail and "/media/" not in detail
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    other = reverse("offerings:document", args=["another-offering", document.pk])
    assert client.get(other).status_code == 404
