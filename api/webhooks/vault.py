"""Encryption of the stored webhook secrets, with keys held outside the database.

Keys come from OFFERWATCH_ENCRYPTION_KEY (Fernet keys, comma-separated: the first encrypts,
every one decrypts, so a key can be rotated). Without it, one key is derived from
DJANGO_SECRET_KEY with HKDF; either way a copy of the database alone reveals no secret.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def secret_encrypt(plaintext: str) -> str:
    return _fernet(*_keys()).encrypt(plaintext.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The plaintext of `token`; ImproperlyConfigured when no configured key opens it."""
    try:
        return _fernet(*_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "a stored webhook secret cannot be decrypted with OFFERWATCH_ENCRYPTION_KEY "
            "(or the key derived from DJANGO_SECRET_KEY): was a key removed?"
        ) from None


def _keys() -> tuple[str, ...]:
    configured = tuple(settings.OFFERWATCH_ENCRYPTION_KEYS)
    if configured:
        return configured
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"offerwatch webhook secrets"
    ).derive(settings.SECRET_KEY.encode())
    return (base64.urlsafe_b64encode(derived).decode(),)


@cache
def _fernet(*keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "OFFERWATCH_ENCRYPTION_KEY must hold Fernet keys (32 url-safe base64-encoded bytes), "
            "e.g. from Fernet.generate_key()"
        ) from None
