"""A Django test client that talks to the API like a real client: bearer key, signed writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from api.client import signature_headers
from api.models import ApiKey

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class MadeKey:
    key: ApiKey
    plaintext: str
    private_key: Ed25519PrivateKey


class SignedClient:
    """get/post/patch/delete with `Authorization: Bearer` and, for writes, valid signatures.

    `sign=False` sends a write unsigned; `signature_overrides` replaces signature headers."""

    def __init__(self, made: MadeKey | None, *, remote_addr: str = "127.0.0.1") -> None:
        self.made = made
        self.host = "testserver"  # the Host of Django's test client
        self.django = Client(REMOTE_ADDR=remote_addr)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        raw_body: bytes | None = None,
        headers: dict[str, str] | None = None,
        sign: bool = True,
        signature_overrides: dict[str, str] | None = None,
        **extra: Any,
    ):
        method = method.upper()
        query = urlencode(params or {}, doseq=True)
        body = (
            raw_body
            if raw_body is not None
            else (b"" if json_body is None else json.dumps(json_body).encode())
        )
        sent = {}
        if self.made is not None:
            sent["Authorization"] = f"Bearer {self.made.plaintext}"
        if method in UNSAFE and sign and self.made is not None:
            sent |= signature_headers(
                private_key=self.made.private_key,
                key_id=self.made.key.key_id,
                host=self.host,
                method=method,
                path=path,
                query=query,
                body=body,
            )
        sent |= signature_overrides or {}
        sent |= headers or {}
        url = f"{path}?{query}" if query else path
        return self.django.generic(
            method, url, data=body, content_type="application/json", headers=sent, **extra
        )

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any):
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any):
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any):
        return self.request("PATCH", path, json_body=json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)
