"""A local CoinGecko look-alike: a stdlib HTTP server on 127.0.0.1 in a thread, serving
CoinGecko-shaped JSON and, when scripted, its faults: 429 with Retry-After, 500s, hangs
(timeouts), garbage bodies. Tests set coins, tickers and faults, then read `requests`."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Fault:
    """What the next matching request gets instead of the data."""

    kind: str  # "429", "500", "hang", "garbage"
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


TICKERS_PER_PAGE = 100


def market_entry(coin_id: str, price: Any, **fields: Any) -> dict[str, Any]:
    """A /coins/markets entry; numbers may be given as numbers, strings or None."""
    entry = {
        "id": coin_id,
        "symbol": coin_id[:4],
        "name": coin_id.title(),
        "current_price": price,
        "market_cap": 10_000_000,
        "total_volume": 500_000,
        "last_updated": "2026-06-01T12:00:00.000Z",
        "ath": None,
    }
    return entry | fields


def ticker(
    exchange_id: str,
    base: str = "ABC",
    target: str = "USDT",
    *,
    name: str | None = None,
    usd: Any = 0.12,
    volume: Any = 50_000,
    stale: bool = False,
    anomaly: bool = False,
) -> dict[str, Any]:
    return {
        "base": base,
        "target": target,
        "market": {"name": name or exchange_id.title(), "identifier": exchange_id},
        "last": usd,
        "volume": 1000,
        "converted_last": {"usd": usd},
        "converted_volume": {"usd": volume},
        "is_stale": stale,
        "is_anomaly": anomaly,
        "trust_score": "green",
    }


def chart(*days: tuple[str, Any], cap: Any = 10_000_000, volume: Any = 500_000) -> dict:
    """A /market_chart body from (ISO date, price) pairs, one point a day at midnight UTC."""

    def ms(day: str) -> int:
        return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1000)

    return {
        "prices": [[ms(day), price] for day, price in days],
        "market_caps": [[ms(day), cap] for day, _ in days],
        "total_volumes": [[ms(day), volume] for day, _ in days],
    }


class FakeCoinGecko:
    def __init__(self) -> None:
        self.markets: dict[str, dict[str, Any]] = {}  # coin id -> /coins/markets entry
        self.extra_market_entries: list[Any] = []  # malformed entries served as they are
        self.tickers: dict[str, list[dict[str, Any]]] = {}
        self.charts: dict[str, dict[str, list]] = {}  # coin id -> /market_chart body
        self.exchanges: list[dict[str, Any]] = []
        self.coin_list: list[dict[str, Any]] = []
        self.faults: deque[tuple[str, Fault]] = deque()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- scripting ----------------------------------------------------------------------

    def fail(self, path_prefix: str, *faults: Fault) -> None:
        """The next requests whose path starts with `path_prefix` get these faults, in order."""
        with self._lock:
            self.faults.extend((path_prefix, fault) for fault in faults)

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            for index, (prefix, fault) in enumerate(self.faults):
                if path.startswith(prefix):
                    del self.faults[index]
                    return fault
        return None

    # ---- serving ------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/coins/markets":
            ids = [i for i in ",".join(query.get("ids", [])).split(",") if i]
            return 200, [self.markets[i] for i in ids if i in self.markets] + list(
                self.extra_market_entries
            )
        if path.startswith("/coins/") and path.endswith("/tickers"):
            coin_id = path.split("/")[2]
            if coin_id not in self.tickers:
                return 404, {"error": "coin not found"}
            # CoinGecko pages tickers, 100 a page (`page`, from 1); past the end: an empty list.
            page = int((query.get("page") or ["1"])[0])
            start = (page - 1) * TICKERS_PER_PAGE
            entries = self.tickers[coin_id][start : start + TICKERS_PER_PAGE]
            return 200, {"name": coin_id, "tickers": entries}
        if path.startswith("/coins/") and path.endswith("/market_chart"):
            coin_id = path.split("/")[2]
            if coin_id not in self.charts:
                return 404, {"error": "coin not found"}
            return 200, self.charts[coin_id]
        if path == "/exchanges":
            return 200, self.exchanges
        if path == "/coins/list":
            return 200, self.coin_list
        return 404, {"error": "not found"}

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v3"

    def start(self) -> FakeCoinGecko:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path.removeprefix("/api/v3")
                query = parse_qs(parts.query)
                with fake._lock:
                    fake.requests.append(Request(path, query, dict(self.headers.items())))
                fault = fake._next_fault(path)
                if fault is not None and fault.kind == "hang":
                    time.sleep(fault.seconds)
                    return
                if fault is not None and fault.kind == "garbage":
                    self._send(200, b"<html>upstream error</html>")
                    return
                if fault is not None:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    self._send(int(fault.kind), b'{"error": "fault"}', headers)
                    return
                status, body = fake.answer(path, query)
                self._send(status, json.dumps(body).encode())

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

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

    def __enter__(self) -> FakeCoinGecko:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
