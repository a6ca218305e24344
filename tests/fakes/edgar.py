"""A local SEC look-alike: EDGAR full-text search (/LATEST/search-index, Elasticsearch-shaped
hits), the submissions JSON (/submissions/CIK##########.json), archived Form D documents
(/Archives/edgar/data/<cik>/<folder>/primary_doc.xml) and the litigation releases RSS feed.
Faults (429 with Retry-After, 5xx) are scripted per path prefix; every request is recorded
with its arrival time and headers, so tests can check the User-Agent and the request rate."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


def filing(accession: str, form: str, filed: str, primary: str = "primary_doc.xml") -> dict:
    return {"accession": accession, "form": form, "filed": filed, "primary": primary}


class FakeEdgar:
    def __init__(self) -> None:
        self.companies: dict[str, dict[str, Any]] = {}  # cik -> {"name", "filings": [...]}
        self.documents: dict[str, bytes] = {}  # archive path -> body
        self.full_text: dict[str, list[tuple[str, str]]] = {}  # phrase -> [(cik, accession)]
        self.rss: bytes = b""
        self.faults: deque[tuple[str, int, str | None]] = deque()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def company(self, cik: str, name: str, *filings: dict) -> None:
        self.companies[str(int(cik))] = {"name": name, "filings": list(filings)}

    def fail(self, prefix: str, status: int, retry_after: str | None = None, times: int = 1):
        with self._lock:
            self.faults.extend([(prefix, status, retry_after)] * times)

    def _fault(self, path: str):
        with self._lock:
            for index, (prefix, status, retry_after) in enumerate(self.faults):
                if path.startswith(prefix):
                    del self.faults[index]
                    return status, retry_after
        return None

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path == "/LATEST/search-index":
            phrase = (query.get("q") or [""])[0].strip('"')
            forms = set((query.get("forms") or [""])[0].split(","))
            hits = []
            for cik, accession in self.full_text.get(phrase, []):
                company = self.companies[str(int(cik))]
                found = next(f for f in company["filings"] if f["accession"] == accession)
                if forms - {""} and found["form"] not in forms:
                    continue
                hits.append(
                    {
                        "_index": "edgar_file",
                        "_id": f"{accession}:{found['primary']}",
                        "_score": 12.5,
                        "_source": {
                            "ciks": [f"{int(cik):010d}"],
                            "display_names": [f"{company['name']}  (CIK {int(cik):010d})"],
                            "form": found["form"],
                            "root_form": found["form"],
                            "file_date": found["filed"],
                            "adsh": accession,
                        },
                    }
                )
            body = {
                "took": 3,
                "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits},
            }
            return 200, json.dumps(body).encode(), "application/json"
        if match := re.fullmatch(r"/submissions/CIK(\d{10})\.json", path):
            company = self.companies.get(str(int(match[1])))
            if company is None:
                return 404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml"
            rows = company["filings"]
            body = {
                "cik": str(int(match[1])),
                "entityType": "other",
                "name": company["name"],
                "filings": {
                    "recent": {
                        "accessionNumber": [f["accession"] for f in rows],
                        "filingDate": [f["filed"] for f in rows],
                        "form": [f["form"] for f in rows],
                        "primaryDocument": [f["primary"] for f in rows],
                    },
                    "files": [],
                },
            }
            return 200, json.dumps(body).encode(), "application/json"
        if path.startswith("/Archives/edgar/data/"):
            if path in self.documents:
                return 200, self.documents[path], "application/xml"
            return 404, b"Not found", "text/html"
        if path == "/rss/litigation/litreleases.xml" and self.rss:
            return 200, self.rss, "application/rss+xml"
        return 404, b"Not found", "text/html"

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeEdgar:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with fake._lock:
                    fake.requests.append(
                        Seen(
                            parts.path,
                            parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()},
                            time.monotonic(),
                        )
                    )
                fault = fake._fault(parts.path)
                if fault is not None:
                    status, retry_after = fault
                    headers = {"Retry-After": retry_after} if retry_after else {}
                    self._send(status, b"<html>Request Rate Threshold Exceeded</html>", headers)
                    return
                status, body, content_type = fake.answer(parts.path, parse_qs(parts.query))
                self._send(status, body, {"Content-Type": content_type})

            def _send(self, status: int, body: bytes, headers: dict) -> None:
                self.send_response(status)
                for name, value in {"Content-Type": "text/html", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeEdgar:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
