"""Signed write requests: what is signed, and how a signature is made and checked (Ed25519).

The signed message (scheme OW-ED25519-V2) is eight lines joined by "\n": the scheme name, the
key id, the Host, the timestamp, the nonce, the METHOD, the path with `?<query>` when there is
one, and the SHA-256 hex of the body. Binding the key id and the host means a signature made for
one key or one server is worth nothing for another. The client keeps the private key; the
server stores only the public key, so a copy of the database cannot forge a request.
This module has no Django imports: api/client.py uses it.
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
# The first line of every signed message; a later scheme gets a new name (only this one is
# accepted: the V1 message, without key id and host, is refused).
SCHEME = "OW-ED25519-V2"


def signed_message(
    *,
    key_id: str,
    host: str,
    timestamp: str | int,
    nonce: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
) -> bytes:
    """The bytes an Ed25519 signature covers (see api/SIGNING.md). `host` is the Host header
    as sent (name, and port when not the default), compared case-insensitively."""
    target = f"{path}?{query}" if query else path
    digest = hashlib.sha256(body).hexdigest()
    lines = (SCHEME, key_id, host.lower(), str(timestamp), nonce, method.upper(), target, digest)
    return "\n".join(lines).encode()


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
