from __future__ import annotations

from pathlib import Path

import pytest

from diligence.roles import role_assign
from tests.factories import UserFactory

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TORD_DIR = SHARED / "data" / "tord"


@pytest.fixture(autouse=True)
def _cache_per_test():
    """Each test starts with an empty cache: what one test cached (permissions, records,
    throttle counters, API pages, list rows) never answers another's requests, whatever ids the
    database reuses; nor does a page statement, an output, a key or a user a process kept in
    memory."""
    from django.core.cache import cache

    from accounts.auth_cache import KEPT as AUTH_KEPT
    from analyst.results_cache import ROWS
    from analyst.results_cache import STATEMENTS as LIST_STATEMENTS
    from api.page_cache import PAGES, STATEMENTS

    kept = (STATEMENTS, LIST_STATEMENTS, PAGES, ROWS, AUTH_KEPT)
    cache.clear()
    for each in kept:
        each.clear()
    yield
    cache.clear()
    for each in kept:
        each.clear()


@pytest.fixture(autouse=True)
def _keys_and_users_kept(settings):
    """Keys and users kept between requests, as production keeps them (accounts.auth_cache):
    one process here, so the memory cache carries every change (the embedded default leaves
    it off for want of a shared cache). Named to sort after _cache_per_test: pytest sets up
    autouse fixtures by name, and a setting changed before that fixture would be put back
    only after its cache.clear() (a test's own CACHES, say, whose server is gone by then)."""
    settings.AUTH_KEPT_IN_PROCESS = True


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests need it correct, not slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def with_role(user, *roles: str):
    """The user with the roles given (groups made by the roles migration)."""
    for role in roles:
        role_assign(user=user, role=role)
    return user


def otp_verified_login(client, user) -> None:
    """Sign `user` in with a session that passed MFA, as the TOTP step at sign-in leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def broker_down(monkeypatch):
    """Not eager (a worker would run the tasks), and every publish of a rescore or a text
    extraction fails as it does with Redis down (kombu's OperationalError)."""
    from kombu.exceptions import OperationalError

    from diligence.tasks import extract_document_text, rescore_offerings

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(rescore_offerings.app.conf, "task_always_eager", False)
    for task in (rescore_offerings, extract_document_text):
        monkeypatch.setattr(task, "apply_async", refuse)
        monkeypatch.setattr(task, "delay", refuse)


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def analyst(db):
    return with_role(UserFactory(username="analyst"), "analyst")


@pytest.fixture
def viewer(db):
    return with_role(UserFactory(username="viewer"), "viewer")


@pytest.fixture
def editor(db):
    return with_role(UserFactory(username="editor"), "editor")


@pytest.fixture
def approver(db):
    return with_role(UserFactory(username="approver"), "approver")


@pytest.fixture
def staff_client(client, staff):
    """Staff must pass MFA: the session is OTP-verified, as after the sign-in's TOTP step."""
    otp_verified_login(client, staff)
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
