"""Signed writes: missing, stale, replayed and tampered requests are refused; the shipped
client signs correctly end to end."""

from __future__ import annotations

import time
import types

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.wsgi import get_wsgi_application

from api.client import OfferwatchClient, signature_headers
from api.models import Scope, SignatureNonce
from api.signing import signature_valid, signed_message
from diligence.roles import role_assign
from tests.api.test_access import problem
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"
WRITE = ("offerings:read", "offerings:write")
HOST = "testserver"  # the Host of Django's test client


@pytest.fixture
def writer(api_key):
    return api_key(scopes=WRITE)


def test_a_signed_create_succeeds(writer, api_client):
    response = api_client(writer).post(LIST, {"name": "Acme Chain", "kind": "ico"})
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "acme-chain"
    assert SignatureNonce.objects.filter(api_key=writer.key).count() == 1


@pytest.mark.parametrize("missing", ["X-OW-Timestamp", "X-OW-Nonce", "X-OW-Signature"])
def test_an_unsigned_write_names_the_missing_header(writer, api_client, missing):
    client = api_client(writer)
    headers = signature_headers(
        private_key=writer.private_key,
        key_id=writer.key.key_id,
        host=HOST,
        method="POST",
        path=LIST,
        query="",
        body=b"{}",
    )
    del headers[missing]
    response = client.post(LIST, {}, sign=False, headers=headers)
    body = problem(response, 401)
    assert missing in body["detail"]
    assert body["type"].endswith(":signature_missing")


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_request_outside_the_window_is_stale(writer, api_client, skew, monkeypatch):
    # The server's clock is held still, so a second ticking over mid-request cannot move the
    # skew back inside the window.
    import api.permissions

    now = time.time()
    monkeypatch.setattr(api.permissions, "time", types.SimpleNamespace(time=lambda: now))
    body = b'{"name": "Late", "kind": "ico"}'
    headers = signature_headers(
        private_key=writer.private_key,
        key_id=writer.key.key_id,
        host=HOST,
        method="POST",
        path=LIST,
        query="",
        body=body,
        timestamp=int(now) + skew,
    )
    response = api_client(writer).post(LIST, raw_body=body, sign=False, headers=headers)
    problem_body = problem(response, 401)
    assert problem_body["type"].endswith(":signature_stale")
    assert "±300 s" in problem_body["detail"]


def test_a_replayed_request_is_refused(writer, api_client):
    body = b'{"name": "Once", "kind": "ico"}'
    headers = signature_headers(
        private_key=writer.private_key,
        key_id=writer.key.key_id,
        host=HOST,
        method="POST",
        path=LIST,
        query="",
        body=body,
    )
    client = api_client(writer)
    assert client.post(LIST, raw_body=body, sign=False, headers=headers).status_code == 201
    replay = client.post(LIST, raw_body=body, sign=False, headers=headers)
    assert problem(replay, 401)["type"].endswith(":signature_replayed")


def test_a_short_nonce_is_refused(writer, api_client):
    headers = signature_headers(
        private_key=writer.private_key,
        key_id=writer.key.key_id,
        host=HOST,
        method="POST",
        path=LIST,
        query="",
        body=b"",
        nonce="abc",
    )
    response = api_client(writer).post(LIST, raw_body=b"", sign=False, headers=headers)
    assert "16-128" in problem(response, 401)["detail"]


@pytest.mark.parametrize(
    ("signed", "sent"),
    [
        (
            ("POST", LIST, "", b'{"name": "A", "kind": "ico"}'),
            ("POST", LIST, "", b'{"name": "B", "kind": "ico"}'),
        ),
        (("POST", "/api/v1/other/", "", b"{}"), ("POST", LIST, "", b"{}")),
        (("POST", LIST, "a=1", b"{}"), ("POST", LIST, "a=2", b"{}")),
        (
            ("PATCH", "/api/v1/offerings/x/", "", b"{}"),
            ("DELETE", "/api/v1/offerings/x/", "", b"{}"),
        ),
    ],
    ids=["body", "path", "query", "method"],
)
def test_a_tampered_request_fails_verification(writer, api_client, signed, sent):
    OfferingFactory(slug="x")
    method, path, query, body = signed
    headers = signature_headers(
        private_key=writer.private_key,
        key_id=writer.key.key_id,
        host=HOST,
        method=method,
        path=path,
        query=query,
        body=body,
    )
    sent_method, sent_path, sent_query, sent_body = sent
    response = api_client(writer).request(
        sent_method,
        sent_path,
        params=dict([sent_query.split("=")]) if sent_query else None,
        raw_body=sent_body,
        sign=False,
        headers=headers,
    )
    assert problem(response, 401)["type"].endswith(":signature_invalid")


def test_a_signature_by_another_private_key_fails(writer, api_client):
    body = b"{}"
    headers = signature_headers(
        private_key=Ed25519PrivateKey.generate(),
        key_id=writer.key.key_id,
        host=HOST,
        method="POST",
        path=LIST,
        query="",
        body=body,
    )
    response = api_client(writer).post(LIST, raw_body=body, sign=False, headers=headers)
    assert problem(response, 401)["type"].endswith(":signature_invalid")


def test_a_write_key_without_a_public_key_cannot_write(api_key, api_client, analyst):
    from api.models import ApiKey

    made = api_key(scopes=WRITE)
    ApiKey.objects.filter(pk=made.key.pk).update(public_key="")
    response = api_client(made).post(LIST, {"name": "X", "kind": "ico"})
    assert problem(response, 401)["type"].endswith(":signature_no_public_key")


def test_the_signed_message_is_the_documented_string():
    message = signed_message(
        key_id="k3x9a2bq",
        host="API.Example:8443",
        timestamp=1767225600,
        nonce="0123456789abcdef",
        method="post",
        path=LIST,
        query="",
        body=b"",
    )
    # SHA-256 of the empty body.
    # pragma: allowlist nextline secret
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert (
        message
        == (
            "OW-ED25519-V2\nk3x9a2bq\napi.example:8443\n1767225600\n0123456789abcdef\nPOST\n"
            f"/api/v1/offerings/\n{empty}"
        ).encode()
    )
    with_query = signed_message(
        key_id="k",
        host="h",
        timestamp=1,
        nonce="n" * 16,
        method="GET",
        path="/p/",
        query="a=1",
        body=b"",
    )
    assert b"\n/p/?a=1\n" in with_query


def test_signature_headers_verify_with_the_public_key():
    private_key = Ed25519PrivateKey.generate()
    from api.signing import public_key_text

    signed = {"key_id": "k3x9a2bq", "host": "h", "method": "DELETE", "path": "/x/", "query": ""}
    headers = signature_headers(private_key=private_key, body=b"", nonce="n" * 16, **signed)
    message = signed_message(
        timestamp=headers["X-OW-Timestamp"], nonce="n" * 16, body=b"", **signed
    )
    assert signature_valid(public_key_text(private_key), headers["X-OW-Signature"], message)
    assert not signature_valid(public_key_text(private_key), "not-base64!", message)


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test transaction's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_python_client_reads_and_writes_end_to_end(writer, wsgi_app):
    transport = httpx.WSGITransport(app=wsgi_app, remote_addr="127.0.0.1")
    client = OfferwatchClient(
        "http://testserver",
        writer.plaintext,
        private_key=writer.private_key,
        transport=transport,
    )
    with client:
        created = client.post(
            "/api/v1/offerings/", json={"name": "Client Co", "kind": "ico"}, idempotency_key="c-1"
        )
        assert created.status_code == 201, created.text
        changed = client.patch("/api/v1/offerings/client-co/", json={"symbol": "CLI"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["symbol"] == "CLI"
        listed = client.get("/api/v1/offerings/", params={"q": "Client", "ordering": "name"})
        assert [o["slug"] for o in listed.json()["results"]] == ["client-co"]
        role_assign(user=writer.key.user, role="admin")  # deleting is the admin role's
        assert client.delete("/api/v1/offerings/client-co/").status_code == 204
        assert client.get("/api/v1/offerings/client-co/").status_code == 404


def test_the_client_refuses_to_send_an_unsigned_write():
    client = OfferwatchClient("http://testserver", "ow_live_x")
    with pytest.raises(ValueError, match="must be signed"):
        client.post("/api/v1/offerings/", json={})


def test_every_write_scope_is_known():
    assert {"offerings:write", "diligence:write", "webhooks:manage"} <= set(Scope.values)


def test_the_worked_example_in_signing_md_is_true():
    from pathlib import Path

    from api.signing import public_key_text

    guide = (Path(__file__).resolve().parents[2] / "api" / "SIGNING.md").read_text()
    private_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    body = b'{"name": "Acme Chain", "kind": "ico"}'
    signed = {"key_id": "k3x9a2bq", "host": "offerwatch.example", "timestamp": 1767225600}
    headers = signature_headers(
        private_key=private_key,
        method="POST",
        path="/api/v1/offerings/",
        query="",
        body=body,
        nonce="3f1c9a7e5b2d4c6a",  # pragma: allowlist secret
        **signed,
    )
    assert public_key_text(private_key) in guide
    assert f"X-OW-Signature: {headers['X-OW-Signature']}" in guide
    message = signed_message(
        nonce="3f1c9a7e5b2d4c6a",  # pragma: allowlist secret
        method="POST",
        path="/api/v1/offerings/",
        query="",
        body=body,
        **signed,
    )
    assert "\n".join(f"    {line}" for line in message.decode().split("\n")) in guide
