from django.apps import AppConfig


def _key_changed(sender, **kwargs) -> None:
    from accounts.auth_cache import auth_changed

    auth_changed()


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from api import checks  # noqa: F401 (registers the deployment checks)
        from api.models import ApiKey

        # A key saved or deleted (revoked, rolled, its scopes or allowlist changed): every
        # process reads it afresh (accounts.auth_cache). api_key_revoke updates, and says so.
        for signal in (post_save, post_delete):
            signal.connect(_key_changed, sender=ApiKey, dispatch_uid=f"auth.ApiKey.{signal}")
