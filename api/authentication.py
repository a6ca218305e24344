"""Bearer API keys: `Authorization: Bearer ow_…` → request.user = owner, request.auth = ApiKey."""

from __future__ import annotations

from urllib.parse import unquote_plus

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts import auth_cache
from api.addresses import client_ip
from api.keys import digest_matches, key_parse, looks_like_key
from api.models import ApiKey
from api.services import api_key_used
from api.throttling import anonymous_throttle_check
from ops.prepared import PreparedQuery

# key_id is unique: no ORDER BY, at most one row; prepared once per process (ops.prepared).
_KEY = PreparedQuery(
    lambda key_id: ApiKey.objects.select_related("user").filter(key_id=key_id).order_by()[:1],
    key_id=str,
)


def _key_loaded(key_id: str) -> tuple[ApiKey | None, ApiKey | None]:
    """The key `key_id` with its owner, for this request, and the instance this process keeps
    under the current generation (accounts.auth_cache) when keys are kept: the request gets a
    copy of it; else read (the prepared statement)."""
    if not auth_cache.kept_in_process():
        found = _KEY.fetch(key_id=key_id)
        return (found[0] if found else None), None
    generation = auth_cache.generation()
    kept = auth_cache.kept("api_key", key_id, generation)
    if kept is None:
        found = _KEY.fetch(key_id=key_id)
        if not found:
            return None, None
        kept = auth_cache.instance_copy(found[0])
        auth_cache.keep("api_key", key_id, generation, kept)
    api_key = auth_cache.instance_copy(kept)
    auth_cache.generation_note(api_key.user, generation)
    return api_key, kept


class KeyRejected(exceptions.AuthenticationFailed):
    """A presented key that does not authenticate; carries the key id for the audit log."""

    def __init__(self, detail: str, *, key_id: str = "") -> None:
        super().__init__(detail)
        self.key_id = key_id


def _reject(request, detail: str, *, key_id: str = "") -> None:
    """Refuse the key; failures count against the client address (slows down key guessing)."""
    anonymous_throttle_check(request)
    raise KeyRejected(detail, key_id=key_id)


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        # The raw query string, decoded, covers every value, repeated parameters and names.
        url = f"{request.path}?{unquote_plus(request.META.get('QUERY_STRING', ''))}"
        if looks_like_key(url):
            _reject(
                request,
                "an API key was sent in the URL (its path or query string), where logs and browser "
                "history "
                "keep it; send it as Authorization: Bearer ow_… and roll this key now",
            )
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode(errors="replace").lower() != self.keyword.lower() or len(header) != 2:
            _reject(request, "the Authorization header must be 'Bearer ow_…'")
        key = header[1].decode(errors="replace")
        parts = key_parse(key)
        if parts is None:
            _reject(request, "not an Offerwatch API key: malformed or failed its checksum")
        api_key, kept = _key_loaded(parts.key_id)
        if api_key is None or not digest_matches(key, api_key.digest):
            _reject(request, "unknown API key", key_id=parts.key_id)
        if api_key.revoked_at is not None:
            _reject(request, "this API key has been revoked", key_id=parts.key_id)
        if api_key.expires_at <= timezone.now():
            _reject(
                request,
                f"this API key expired at {api_key.expires_at:%Y-%m-%d %H:%M} UTC",
                key_id=parts.key_id,
            )
        if not api_key.user.is_active:
            _reject(request, "the owner of this API key is inactive", key_id=parts.key_id)
        api_key_used(api_key=api_key, ip=client_ip(request))
        if kept is not None:  # the use just noted, so the next request need not write it again
            kept.last_used_at, kept.last_used_ip = api_key.last_used_at, api_key.last_used_ip
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
