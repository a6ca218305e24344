from __future__ import annotations

from django.urls import path

from ops.health import healthz, readyz
from ops.scrape import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]
