"""The API key format: `ow_<env>_<id>_<secret><checksum>`, recognisable and self-checking.

* `<env>`: lowercase letters (`live`, `test`); `<id>`: 8 lowercase letters/digits, public, the
  database lookup key; `<secret>`: 30 base62 characters (178 bits from `secrets`);
  `<checksum>`: CRC32 of everything before it, 6 base62 characters. A typo or a truncated
  key fails the checksum before any database lookup, and secret scanners can match the pattern
  `ow_[a-z]+_[a-z0-9]{8}_[A-Za-z0-9]{36}`.
* Only `sha256(key)` is stored; keys are compared with `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import zlib
from typing import NamedTuple

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase  # base62
ID_ALPHABET = string.digits + string.ascii_lowercase
ID_LENGTH = 8
SECRET_LENGTH = 30  # 30 × log2(62) ≈ 178 bits
CHECKSUM_LENGTH = 6  # 62**6 > 2**32
PATTERN = re.compile(
    rf"ow_(?P<env>[a-z]{{1,10}})_(?P<key_id>[a-z0-9]{{{ID_LENGTH}}})_"
    rf"(?P<secret>[A-Za-z0-9]{{{SECRET_LENGTH}}})(?P<checksum>[A-Za-z0-9]{{{CHECKSUM_LENGTH}}})"
)


class KeyParts(NamedTuple):
    env: str
    key_id: str


def _base62(number: int, length: int) -> str:
    digits = []
    for _ in range(length):
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def new_key_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def key_generate(*, env: str, key_id: str) -> str:
    """A new plaintext key with a fresh secret."""
    if not re.fullmatch(r"[a-z]{1,10}", env):
        raise ValueError(f"env {env!r} must be 1-10 lowercase letters")
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    body = f"ow_{env}_{key_id}_{secret}"
    return body + checksum(body)


def key_parse(key: str) -> KeyParts | None:
    """The env and id of a well-formed key whose checksum matches, else None (no DB needed)."""
    match = PATTERN.fullmatch(key)
    if match is None:
        return None
    body = key[:-CHECKSUM_LENGTH]
    if not hmac.compare_digest(checksum(body), match["checksum"]):
        return None
    return KeyParts(match["env"], match["key_id"])


def looks_like_key(text: str) -> bool:
    """Whether `text` contains something shaped like a key (for refusing keys in URLs)."""
    return "ow_" in text and PATTERN.search(text) is not None


def key_redacted(text: str) -> str:
    """`text` with anything shaped like a key replaced, for echoing a URL back safely."""
    return PATTERN.sub("ow_(redacted)", text) if "ow_" in text else text


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def digest_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)
