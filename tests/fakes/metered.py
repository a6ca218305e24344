"""A provider-shaped local server that enforces a rate limit the way public APIs do: it logs
the arrival time of every request and answers 429 to one that would make more than `limit`
requests within any `window` seconds. `fail_all` makes every answer a 500 (for breakers)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class MeteredProvider:
    def __init__(self, *, limit: int, window: float = 1.0) -> None:
        self.limit, self.window = limit, window
        self.arrivals: list[float] = []
        self.rejected = 0
        self.fail_all = False
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status = provider._admit()
                body = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _admit(self) -> int:
        with self._lock:
            now = time.monotonic()
            self.arrivals.append(now)
            if self.fail_all:
                return 500
            recent = [t for t in self.arrivals if now - t < self.window]
            if len(recent) > self.limit:
                self.rejected += 1
                return 429
            return 200

    def busiest_window(self) -> int:
        """The most requests that arrived within any `window` seconds."""
        times = sorted(self.arrivals)
        most, start = 0, 0
        for end, arrived in enumerate(times):
            while arrived - times[start] >= self.window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def __enter__(self) -> MeteredProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
