"""Reading an uploaded PDF's text in a child process bounded in time and memory."""

from __future__ import annotations

import resource
import subprocess  # nosec B404 (our own module, a fixed argument list)
import sys

from django.conf import settings

WORKER = [sys.executable, "-m", "diligence.extract_worker"]


class ExtractionFailed(Exception):
    """The PDF could not be read within the limits (the reason is safe to log)."""


def _limit_memory() -> None:  # runs in the child, before it starts Python
    limit = settings.OFFERWATCH_EXTRACT_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def pdf_text_bounded(data: bytes) -> str:
    """The PDF's text, read by diligence.extract_worker within OFFERWATCH_EXTRACT_TIMEOUT_S
    seconds and OFFERWATCH_EXTRACT_MEMORY_MB of memory; ExtractionFailed otherwise."""
    timeout = settings.OFFERWATCH_EXTRACT_TIMEOUT_S
    try:
        done = subprocess.run(  # nosec B603: fixed command, no shell
            WORKER,
            input=data,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionFailed(f"text extraction took longer than {timeout} s") from None
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        raise ExtractionFailed(f"the extraction process failed: {last[:200]}")
    return done.stdout.decode("utf-8", "replace")
