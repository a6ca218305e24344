"""Text extraction runs in a child process bounded in time and memory."""

from __future__ import annotations

import sys
import time

import pytest

from diligence import extraction
from diligence.extraction import ExtractionFailed, pdf_text_bounded
from tests.pdfs import text_pdf


def test_the_child_process_returns_the_text():
    assert "Token utility" in pdf_text_bounded(text_pdf("Token utility explained."))


def test_an_unreadable_pdf_fails_without_harming_the_caller():
    with pytest.raises(ExtractionFailed, match="extraction process failed"):
        pdf_text_bounded(b"%PDF-1.7\nnot really a pdf")


def test_a_pdf_that_keeps_the_reader_busy_is_stopped_at_the_time_limit(monkeypatch, settings):
    settings.OFFERWATCH_EXTRACT_TIMEOUT_S = 1
    monkeypatch.setattr(extraction, "WORKER", [sys.executable, "-c", "import time; time.sleep(30)"])
    started = time.monotonic()
    with pytest.raises(ExtractionFailed, match="longer than 1 s"):
        pdf_text_bounded(b"%PDF-")
    assert time.monotonic() - started < 10


def test_a_pdf_that_makes_the_reader_allocate_without_end_hits_the_memory_limit(
    monkeypatch, settings
):
    settings.OFFERWATCH_EXTRACT_MEMORY_MB = 256
    hog = "blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]"  # 4 GB
    monkeypatch.setattr(extraction, "WORKER", [sys.executable, "-c", hog])
    with pytest.raises(ExtractionFailed, match="MemoryError"):
        pdf_text_bounded(b"%PDF-")
