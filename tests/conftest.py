from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import UserFactory

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TORD_DIR = SHARED / "data" / "tord"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests need it correct, not slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def tord_v4() -> Path:
    path = TORD_DIR / "tord_v4.csv"
    if not path.is_file():
        pytest.skip(f"TORD data set not found at {path} (see README: obtaining TORD)")
    return path


@pytest.fixture
def tord_v2() -> Path:
    path = TORD_DIR / "tord_v2.csv"
    if not path.is_file():
        pytest.skip(f"TORD data set not found at {path} (see README: obtaining TORD)")
    return path
