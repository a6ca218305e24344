from __future__ import annotations

import itertools

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache

from api.services import api_key_create
from api.signing import public_key_text
from tests.api.signed import MadeKey, SignedClient
from tests.conftest import with_role
from tests.factories import UserFactory

ALL_READ = ("offerings:read", "diligence:read")
_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_user(db):
    return with_role(UserFactory(username="machine-owner"), "editor")


@pytest.fixture
def api_key(db, api_user):
    """Factory: make_key(user=None, scopes=..., allowed_ips=("127.0.0.1/32",), ...) -> MadeKey
    with .key (the ApiKey), .plaintext and .private_key (its registered Ed25519 key)."""

    def make_key(
        user=None,
        scopes=ALL_READ,
        allowed_ips=("127.0.0.1/32",),
        expires_in_days=90,
        name=None,
        register_public_key=True,
    ) -> MadeKey:
        private_key = Ed25519PrivateKey.generate()
        key, plaintext = api_key_create(
            user=user or api_user,
            name=name or f"key-{next(_names)}",
            scopes=scopes,
            expires_in_days=expires_in_days,
            allowed_ips=allowed_ips,
            public_key=public_key_text(private_key) if register_public_key else None,
        )
        return MadeKey(key=key, plaintext=plaintext, private_key=private_key)

    return make_key


@pytest.fixture
def api_client():
    """Factory: api_client(made_key=None, remote_addr="127.0.0.1") -> SignedClient."""

    def build(made: MadeKey | None = None, *, remote_addr: str = "127.0.0.1") -> SignedClient:
        return SignedClient(made, remote_addr=remote_addr)

    return build


@pytest.fixture
def read_client(api_key, api_client) -> SignedClient:
    return api_client(api_key())


@pytest.fixture
def write_client(api_key, api_client) -> SignedClient:
    return api_client(api_key(scopes=(*ALL_READ, "offerings:write", "diligence:write")))
