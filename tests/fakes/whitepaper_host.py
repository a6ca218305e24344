"""A local look-alike of a project's web host serving whitepapers, faults included: a PDF and an
HTML page (both with ETag / Last-Modified and conditional GET), a redirect to a private address,
a huge file (declared and undeclared), a wrong content type, a PDF declared as HTML, and a slow
drip that never finishes in time. A stdlib HTTP server on 127.0.0.1, in a thread."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.pdfs import text_pdf

HTML = (
    "<!doctype html><html><head><title>Paper</title><style>p{color:red}</style>"
    "<script>var hidden = 'not text';</script></head><body><h1>Lumen Protocol</h1>"
    "<p>Lumen settles payments between merchants &amp; wallets.</p>"
    "<p>The token economics: 40% public sale.</p></body></html>"
)


class WhitepaperHost:
    def __init__(self) -> None:
        self.pdf = text_pdf("Lumen Protocol whitepaper. The token pays settlement fees.")
        self.pdf_etag = '"v1"'
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.drip_stopped = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WhitepaperHost:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                host.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = getattr(host, "route_" + self.path.strip("/").replace(".", "_"), None)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    host.drip_stopped.set()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @staticmethod
    def _send(handler, body: bytes, content_type: str, **headers: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    def route_paper_pdf(self, handler) -> None:
        if handler.headers.get("If-None-Match") == self.pdf_etag:
            handler.send_response(304)
            handler.send_header("ETag", self.pdf_etag)
            handler.end_headers()
            return
        self._send(handler, self.pdf, "application/pdf", ETag=self.pdf_etag)

    def route_paper_html(self, handler) -> None:
        self._send(handler, HTML.encode(), "text/html; charset=utf-8")

    def route_to_private(self, handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", "http://10.0.0.5/paper.pdf")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def route_huge_pdf(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.send_header("Content-Length", str(500 * 1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"%PDF-1.4\n" + b"0" * 65536)

    def route_endless_pdf(self, handler) -> None:
        """No length declared: the stream goes on past any limit."""
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.end_headers()
        handler.wfile.write(b"%PDF-1.4\n")
        for _ in range(2000):
            handler.wfile.write(b"0" * 65536)

    def route_image_png(self, handler) -> None:
        self._send(handler, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")

    def route_disguised_html(self, handler) -> None:
        self._send(handler, self.pdf, "text/html")

    def route_drip_pdf(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.write(b"%PDF-1.4\n")
        for _ in range(200):  # a byte every 0.1 s: each read is quick, the whole never ends
            handler.wfile.write(b"0")
            handler.wfile.flush()
            time.sleep(0.1)
