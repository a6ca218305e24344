"""The child process that reads a PDF's text: PDF bytes on stdin, UTF-8 text on stdout.

Runs under the time and memory limits diligence.extraction sets, so a hostile PDF that makes
pypdf loop or allocate without end costs this process, never the Celery worker. It imports no
Django: nothing here may touch the database.
"""

from __future__ import annotations

import sys
from io import BytesIO

from diligence.text import extract_pdf_text


def main() -> int:
    text, _ = extract_pdf_text(BytesIO(sys.stdin.buffer.read()))
    sys.stdout.buffer.write(text.replace("\x00", "").encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
