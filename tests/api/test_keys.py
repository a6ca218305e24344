"""The key format, and creating, rolling and revoking keys (services and commands)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.keys import PATTERN, key_generate, key_parse, looks_like_key
from api.models import ApiKey, AuditEvent
from api.services import api_key_create, api_key_revoke, api_key_roll, api_keys_unused
from api.signing import public_key_text
from tests.conftest import with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_key_has_the_documented_shape_and_parses_back_to_its_id():
    key = key_generate(env="live", key_id="ab12cd34")
    assert key.startswith("ow_live_ab12cd34_")
    assert len(key) == len("ow_live_ab12cd34_") + 36
    assert PATTERN.fullmatch(key)
    assert key_parse(key) == ("live", "ab12cd34")


def test_a_typo_fails_the_checksum_before_any_lookup():
    key = key_generate(env="live", key_id="ab12cd34")
    position = 20
    typo = key[:position] + ("A" if key[position] != "A" else "B") + key[position + 1 :]
    assert key_parse(typo) is None
    assert key_parse(key[:-1]) is None
    assert key_parse("ow_live_ab12cd34_short") is None


def test_secrets_are_fresh_every_time():
    keys = {key_generate(env="test", key_id="00000000") for _ in range(50)}
    assert len(keys) == 50


def test_keys_in_text_are_recognised_for_scanners():
    key = key_generate(env="live", key_id="ab12cd34")
    assert looks_like_key(f"token={key}&x=1")
    assert not looks_like_key("ow_live_nothing_here")


def test_only_the_digest_is_stored_and_the_key_is_shown_once(analyst):
    api_key, plaintext = api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert stored.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in str(stored.__dict__.values())
    assert plaintext.startswith(f"ow_live_{stored.key_id}_")


def test_expiry_defaults_to_90_days_and_cannot_pass_a_year(analyst):
    api_key, _ = api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    assert api_key.expires_at - timezone.now() == pytest.approx(
        dt.timedelta(days=90), abs=dt.timedelta(seconds=5)
    )
    with pytest.raises(ValidationError, match="from 1 to 365"):
        api_key_create(user=analyst, name="long", scopes=["offerings:read"], expires_in_days=366)


def test_scopes_are_denied_unless_named_and_unknown_ones_are_refused(analyst):
    with pytest.raises(ValidationError, match="at least one scope"):
        api_key_create(user=analyst, name="none", scopes=[])
    with pytest.raises(ValidationError, match="offerings:admin: not a scope"):
        api_key_create(user=analyst, name="bad", scopes=["offerings:admin"])


def test_write_scopes_need_an_allowlist_and_a_public_key(editor):
    public_key = public_key_text(Ed25519PrivateKey.generate())
    with pytest.raises(ValidationError, match="need an IP allowlist"):
        api_key_create(user=editor, name="w", scopes=["offerings:write"], public_key=public_key)
    with pytest.raises(ValidationError, match="need an Ed25519 public key"):
        api_key_create(
            user=editor, name="w", scopes=["offerings:write"], allowed_ips=["10.0.0.0/8"]
        )
    with pytest.raises(ValidationError, match="not an IPv4 or IPv6 network"):
        api_key_create(user=editor, name="w", scopes=["offerings:read"], allowed_ips=["10.0.0"])
    api_key, _ = api_key_create(
        user=editor,
        name="w",
        scopes=["offerings:write"],
        allowed_ips=["10.0.0.1/8", "2001:db8::/32"],
        public_key=public_key,
    )
    assert api_key.allowed_ips == ["10.0.0.0/8", "2001:db8::/32"]


def test_a_pem_public_key_is_stored_as_raw_base64(analyst):
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    api_key, _ = api_key_create(
        user=analyst, name="pem", scopes=["offerings:read"], public_key=pem.decode()
    )
    assert api_key.public_key == public_key_text(private_key)
    with pytest.raises(ValidationError, match="32"):
        api_key_create(user=analyst, name="bad", scopes=["offerings:read"], public_key="AAAA")


def test_names_are_unique_per_user_among_current_keys(analyst):
    api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    with pytest.raises(ValidationError, match="already have a key"):
        api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    api_key_create(
        user=with_role(UserFactory(), "viewer"), name="reader", scopes=["offerings:read"]
    )


def test_rolling_keeps_the_old_key_for_the_overlap_and_copies_its_grants(analyst):
    old, _ = api_key_create(
        user=analyst, name="reader", scopes=["offerings:read"], allowed_ips=["10.0.0.0/8"]
    )
    new, plaintext = api_key_roll(api_key=old, overlap=dt.timedelta(hours=2))
    old.refresh_from_db()
    assert old.state == "rolled" and new.state == "active"
    assert old.expires_at - timezone.now() == pytest.approx(
        dt.timedelta(hours=2), abs=dt.timedelta(seconds=5)
    )
    assert (new.name, new.scopes, new.allowed_ips, new.rolled_from) == (
        "reader",
        ["offerings:read"],
        ["10.0.0.0/8"],
        old,
    )
    assert key_parse(plaintext).key_id == new.key_id
    with pytest.raises(ValidationError, match="only an active key"):
        api_key_roll(api_key=old)
    with pytest.raises(ValidationError, match="from 0 to 168"):
        api_key_roll(api_key=new, overlap=dt.timedelta(days=8))


def test_revoking_also_ends_the_predecessor_still_in_its_overlap(analyst):
    old, _ = api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    new, _ = api_key_roll(api_key=old, overlap=dt.timedelta(days=1))
    assert api_key_revoke(api_key=new) == 2
    assert not ApiKey.objects.filter(revoked_at__isnull=True).exists()
    assert api_key_revoke(api_key=new) == 0


def test_create_roll_and_revoke_are_audited(analyst):
    old, _ = api_key_create(user=analyst, name="reader", scopes=["offerings:read"])
    new, _ = api_key_roll(api_key=old, actor=analyst)
    api_key_revoke(api_key=new, actor=analyst)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "key_id"))
    assert events == [("created", old.key_id), ("rolled", new.key_id), ("revoked", new.key_id)]


def test_unused_keys_are_reported_after_90_days(analyst):
    stale, _ = api_key_create(user=analyst, name="stale", scopes=["offerings:read"])
    never, _ = api_key_create(user=analyst, name="never", scopes=["offerings:read"])
    fresh, _ = api_key_create(user=analyst, name="fresh", scopes=["offerings:read"])
    long_ago = timezone.now() - dt.timedelta(days=120)
    ApiKey.objects.filter(pk=stale.pk).update(last_used_at=long_ago, created_at=long_ago)
    ApiKey.objects.filter(pk=never.pk).update(created_at=long_ago)
    ApiKey.objects.filter(pk=fresh.pk).update(last_used_at=timezone.now(), created_at=long_ago)
    assert {key.name for key in api_keys_unused()} == {"stale", "never"}
    out = io.StringIO()
    call_command("api_keys_unused", stdout=out, stderr=io.StringIO())
    assert "stale" in out.getvalue() and "never used" in out.getvalue()
    assert "fresh" not in out.getvalue()


def test_the_commands_create_roll_and_revoke_by_name(editor, tmp_path):
    private_key = Ed25519PrivateKey.generate()
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    out = io.StringIO()
    call_command(
        "create_api_key",
        "--user=editor",
        "--name=importer",
        "--scopes=offerings:read,offerings:write",
        "--expires-in=30",
        "--allow-ip=10.0.0.0/8",
        f"--public-key={pem}",
        stdout=out,
        stderr=io.StringIO(),
    )
    plaintext = out.getvalue().strip()
    created = ApiKey.objects.get(name="importer")
    assert key_parse(plaintext).key_id == created.key_id
    assert created.public_key == public_key_text(private_key)
    out = io.StringIO()
    call_command("roll_api_key", "--name=importer", "--overlap=0", stdout=out, stderr=io.StringIO())
    rolled = out.getvalue().strip()
    assert rolled != plaintext and key_parse(rolled)
    call_command("revoke_api_key", "--name=importer", stdout=io.StringIO())
    assert not ApiKey.objects.usable().exists()
    with pytest.raises(CommandError, match="no active key"):
        call_command("revoke_api_key", "--name=importer", stdout=io.StringIO())
    with pytest.raises(CommandError, match="need an IP allowlist"):
        call_command(
            "create_api_key",
            "--user=editor",
            "--name=w",
            "--scopes=offerings:write",
            stdout=io.StringIO(),
        )
