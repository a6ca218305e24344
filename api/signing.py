"""Signed write requests: what is signed, and how a signature is made and checked (Ed25519).

The signed message is `<timestamp>.<nonce>.<METHOD>.<path>[?<query>].<sha256 hex of body>`, e.g.
`1767225600.f3c1d2e4b5a69788.POST./api/v1/offerings/.9f86d0…` (no `?` when there is no query).
The client keeps the private key; the server stores only the public key, so a copy of the
database cannot forge a request. This module has no Django imports: api/client.py uses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TIMESTAMP_HEADER = "X-OW-Timestamp"
NONCE_HEADER = "X-OW-Nonce"
SIGNATURE_HEADER = "X-OW-Signature"
MIN_NONCE_LENGTH = 16
MAX_NONCE_LENGTH = 128


def signed_message(
    *, timestamp: str | int, nonce: str, method: str, path: str, query: str, body: bytes
) -> bytes:
    target = f"{path}?{query}" if query else path
    digest = hashlib.sha256(body).hexdigest()
    return f"{timestamp}.{nonce}.{method.upper()}.{target}.{digest}".encode()


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(private_key.sign(message)).decode()


def public_key_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The base64 of the raw 32-byte public key: what a key registers."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_load(text: str) -> Ed25519PublicKey:
    """Read a public key given as base64 of the raw 32 bytes or as PEM; ValueError if neither."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 of a 32-byte Ed25519 public key, or PEM") from None
    if len(raw) != 32:
        raise ValueError(f"must be 32 bytes of Ed25519 public key (got {len(raw)})")
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_valid(public_key: str, signature: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key_load(public_key).verify(raw, message)
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
