"""Included by api/urls.py at /api/v1/webhooks/."""

from django.urls import path

from api.webhooks import views

urlpatterns = [
    path("", views.EndpointList.as_view(), name="webhooks"),
    path("<int:endpoint_id>/", views.EndpointDetail.as_view(), name="webhook"),
    path(
        "<int:endpoint_id>/rotate-secret/",
        views.EndpointRotate.as_view(),
        name="webhook-rotate-secret",
    ),
    path("<int:endpoint_id>/ping/", views.EndpointPing.as_view(), name="webhook-ping"),
    path("<int:endpoint_id>/deliveries/", views.DeliveryList.as_view(), name="webhook-deliveries"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/",
        views.DeliveryDetail.as_view(),
        name="webhook-delivery",
    ),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        views.DeliveryRedeliver.as_view(),
        name="webhook-redeliver",
    ),
]
