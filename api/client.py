"""A small Offerwatch API client (httpx) that signs every write.

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from api.client import OfferwatchClient

    private_key = Ed25519PrivateKey.generate()  # register public_key_text(private_key)
    client = OfferwatchClient("https://offerwatch.example", "ow_live_…", private_key=private_key)
    page = client.get("/api/v1/offerings/", params={"risk": "high"}).json()
    client.post("/api/v1/offerings/", json={"name": "Acme", "kind": "ico"}, idempotency_key="a1")

See api/SIGNING.md for the scheme with a worked example.
"""

from __future__ import annotations

import json as jsonlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.keys import key_parse
from api.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    signed_message,
)


def key_id_of(key: str) -> str:
    """The public key id inside an API key (`ow_live_<key id>_…`)."""
    parts = key_parse(key)
    if parts is None:
        raise ValueError("not an Offerwatch API key: malformed or failed its checksum")
    return parts.key_id


def signature_headers(
    *,
    private_key: Ed25519PrivateKey,
    key_id: str,
    host: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The X-OW-Timestamp, X-OW-Nonce and X-OW-Signature headers for one request by the key
    `key_id` (see key_id_of) to the server `host` (the Host header: name[:port])."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(16)
    message = signed_message(
        key_id=key_id,
        host=host,
        timestamp=timestamp,
        nonce=nonce,
        method=method,
        path=path,
        query=query,
        body=body,
    )
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(private_key, message),
    }


class OfferwatchClient:
    """get/post/patch/delete against the API with a bearer key; unsafe methods are signed."""

    def __init__(
        self,
        base_url: str,
        key: str,
        private_key: Ed25519PrivateKey | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.key = key
        self.private_key = private_key
        self.http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        method = method.upper()
        query = urlencode(params or {}, doseq=True)
        body = b"" if json is None else jsonlib.dumps(json).encode()
        extra = dict(headers or {})
        if body:
            extra["Content-Type"] = "application/json"
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        if method not in ("GET", "HEAD", "OPTIONS"):
            if self.private_key is None:
                raise ValueError(f"{method} must be signed: give the client a private_key")
            # Sign the path exactly as it will be sent, below the base URL's own path, and the
            # Host header httpx sends (the name, with the port when it is not the default).
            target = self.http.base_url.join(path)
            extra |= signature_headers(
                private_key=self.private_key,
                key_id=key_id_of(self.key),
                host=target.netloc.decode("ascii"),
                method=method,
                path=urlsplit(str(target)).path,
                query=query,
                body=body,
            )
        url = f"{path}?{query}" if query else path
        return self.http.request(method, url, content=body or None, headers=extra)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> OfferwatchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
