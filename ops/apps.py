from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running it in production: health, metrics, request logs, the Celery signals behind them."""

    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ops import signals  # noqa: F401  (connects the Celery and model signals)
