import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from api.webhooks.models import WebhookEndpoint
from api.webhooks.services import endpoint_secrets
from api.webhooks.vault import secret_decrypt, secret_encrypt

pytestmark = pytest.mark.django_db


def test_the_database_holds_only_ciphertext_of_the_secret(make_endpoint):
    endpoint, secret = make_endpoint()
    stored = WebhookEndpoint.objects.values_list("secret_encrypted", flat=True).get()
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert endpoint_secrets(endpoint, now=endpoint.created_at) == [secret]


def test_a_configured_key_encrypts_and_an_older_key_still_decrypts(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OFFERWATCH_ENCRYPTION_KEYS = [old_key]
    token = secret_encrypt("whsec_abc")
    settings.OFFERWATCH_ENCRYPTION_KEYS = [new_key, old_key]
    assert secret_decrypt(token) == "whsec_abc"
    assert Fernet(new_key.encode()).decrypt(secret_encrypt("whsec_abc").encode()) == b"whsec_abc"


def test_without_the_key_a_stored_secret_cannot_be_read(settings):
    settings.OFFERWATCH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = secret_encrypt("whsec_abc")
    settings.OFFERWATCH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="OFFERWATCH_ENCRYPTION_KEY"):
        secret_decrypt(token)


def test_the_derived_key_depends_on_the_django_secret_key(settings):
    settings.OFFERWATCH_ENCRYPTION_KEYS = []
    token = secret_encrypt("whsec_abc")
    assert secret_decrypt(token) == "whsec_abc"
    settings.SECRET_KEY = (
        "another-secret-key-that-is-long-enough-0123456789"  # pragma: allowlist secret
    )
    with pytest.raises(ImproperlyConfigured):
        secret_decrypt(token)


def test_a_malformed_key_is_reported_clearly(settings):
    settings.OFFERWATCH_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        secret_encrypt("whsec_abc")
