import base64
import datetime as dt
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.webhooks.signing import secret_generate, signature, signed_headers


def test_a_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_generate() != secret


def test_our_signature_verifies_with_the_standard_webhooks_package():
    secret = secret_generate()
    body = b'{"data":{"name":"T\xc3\xa9st"},"type":"offering.created"}'
    now = int(time.time())
    headers = signed_headers(secrets=[secret], event_id="msg_1", timestamp=now, body=body)
    assert Webhook(secret).verify(body, headers) == {
        "data": {"name": "Tést"},
        "type": "offering.created",
    }
    assert headers["webhook-signature"] == Webhook(secret).sign(
        "msg_1", dt.datetime.fromtimestamp(now, tz=dt.UTC), body.decode()
    )


def test_during_rotation_both_secrets_verify_and_a_third_does_not():
    new, old = secret_generate(), secret_generate()
    body = b'{"type":"risk.changed"}'
    headers = signed_headers(
        secrets=[new, old], event_id="msg_2", timestamp=int(time.time()), body=body
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_generate()).verify(body, headers)


def test_a_tampered_body_id_or_timestamp_fails_verification():
    secret = secret_generate()
    now = int(time.time())
    headers = signed_headers(secrets=[secret], event_id="msg_3", timestamp=now, body=b"{}")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"x":1}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b"{}", {**headers, "webhook-id": "msg_4"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b"{}", {**headers, "webhook-timestamp": str(now - 1)})


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body():
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()  # pragma: allowlist secret
    assert signature(secret=secret, event_id="msg_x", timestamp=1, body=b"{}") == (
        "v1,Tk0YOpJUqVpLyilQo+idhtrHwEGnk+xMtyNRWcb351Y="
    )
