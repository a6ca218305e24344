"""Regulators' warning lists given to `import_regulator_list`: the CFTC's RED list (its HTML
page, or that table saved as CSV) and any regulator's list in our CSV layout.

Every row is checked before anything is stored; the first bad row stops the import with a
message naming the row, the field, the value and the rule.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from records.entries import Entry, domain_of, domains_in, parse_date

CFTC_RED_URL = "https://www.cftc.gov/LearnAndProtect/Resources/Check/redlist.htm"
CSV_COLUMNS = ("authority", "kind", "date", "title", "names", "tokens", "domains", "url")
REQUIRED = ("authority", "kind", "title", "url")
KINDS = ("action", "warning")


class ListError(ValueError):
    """A list that cannot be imported as it is; nothing was stored."""


class _Tables(HTMLParser):
    """The rows of every table of an HTML page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._cell is not None:
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self._cell.append(f" {href} ")

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _red_columns(header: list[str]) -> dict[str, int]:
    columns = {}
    for index, title in enumerate(cell.lower() for cell in header):
        if "name" in title and "name" not in columns:
            columns["name"] = index
        elif any(word in title for word in ("website", "url", "domain", "web")):
            columns.setdefault("website", index)
        elif "date" in title:
            columns.setdefault("date", index)
        elif any(word in title for word in ("location", "country", "address")):
            columns.setdefault("location", index)
    if "name" not in columns:
        raise ListError(f"the RED list's header ({' | '.join(header)}) has no Name column")
    return columns


def cftc_red_entries(content: bytes, *, page_url: str = CFTC_RED_URL) -> list[Entry]:
    """The entities on the CFTC's RED (Registration Deficient) list: foreign firms soliciting
    US customers without being registered. An HTML page (its table) or a CSV of that table."""
    text = content.decode("utf-8-sig", errors="replace")
    if "<table" in text.lower():
        parser = _Tables()
        parser.feed(text)
        rows = parser.rows
    else:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ListError("the RED list has no table with a header and at least one entry")
    columns = _red_columns(rows[0])
    entries = []
    for number, row in enumerate(rows[1:], 2):
        cells = {key: row[at].strip() for key, at in columns.items() if at < len(row)}
        cell = cells.get
        name = cell("name", "")
        if not name:
            raise ListError(f"row {number}: name is empty; every RED list entry names a firm")
        websites = re.split(r"[\s,;]+", cell("website", ""))
        domains = list(dict.fromkeys(d for d in map(domain_of, websites) if "." in d))
        raw_date = cell("date", "")
        date = parse_date(raw_date)
        if raw_date and date is None:
            raise ListError(f"row {number}: date ({raw_date!r}) is not a date (2024-12-31)")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        location = f" ({cells['location']})" if cells.get("location") else ""
        entries.append(
            Entry(
                authority="CFTC",
                kind="warning",
                title=f"RED list: {name}{location}"[:500],
                url=f"{page_url}#{slug}"[:500],
                date=date,
                names=[name],
                domains=domains,
            )
        )
    return entries


def _listed(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", value or "") if part.strip()]


def csv_entries(content: bytes) -> list[Entry]:
    """Records in our CSV layout: authority, kind (action/warning), date (YYYY-MM-DD), title,
    names, tokens, domains (each a ";"-separated list) and url."""
    text = content.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ListError(
            f"the CSV header ({', '.join(reader.fieldnames or [])}) lacks {', '.join(missing)}; "
            f"columns: {', '.join(CSV_COLUMNS)}"
        )
    entries = []
    for number, row in enumerate(reader, 2):
        for name in REQUIRED:
            if not (row.get(name) or "").strip():
                raise ListError(f"row {number}: {name} is empty; it is required")
        kind = row["kind"].strip().lower()
        if kind not in KINDS:
            raise ListError(f"row {number}: kind ({row['kind']!r}) must be action or warning")
        url = row["url"].strip()
        if not url.startswith(("http://", "https://")):
            raise ListError(f"row {number}: url ({url!r}) must be an http(s) URL")
        raw_date = (row.get("date") or "").strip()
        date = parse_date(raw_date)
        if raw_date and date is None:
            raise ListError(f"row {number}: date ({raw_date!r}) is not a date (2024-12-31)")
        domains = [domain_of(d) for d in _listed(row.get("domains") or "")]
        entries.append(
            Entry(
                authority=row["authority"].strip()[:100],
                kind=kind,
                title=row["title"].strip()[:500],
                url=url[:500],
                date=date,
                names=_listed(row.get("names") or ""),
                tokens=_listed(row.get("tokens") or ""),
                domains=[d for d in domains if d] or domains_in(row["title"]),
            )
        )
    if not entries:
        raise ListError("the CSV has a header but no records")
    return entries
