"""The REST API: /api/v1/ endpoints, the OpenAPI schema and its docs."""

from django.urls import path

app_name = "api"

urlpatterns: list = []
