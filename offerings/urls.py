from django.urls import path

from offerings.views import (
    browse,
    compare,
    detail,
    documents,
    outcomes,
    preferences,
    unlocks,
    venues,
    watch,
)

app_name = "offerings"

urlpatterns = [
    path("", browse.home, name="home"),
    path("offerings/", browse.offering_list, name="list"),
    path("offerings/export.csv", browse.offering_export, name="export"),
    path("offerings/<slug:slug>/", detail.offering_detail, name="detail"),
    path("offerings/<slug:slug>/watch/", watch.offering_watch, name="watch"),
    path("offerings/<slug:slug>/outcomes/", outcomes.outcome_add, name="outcome_add"),
    path("offerings/<slug:slug>/checked-none/", detail.offering_checked_none, name="checked_none"),
    path(
        "offerings/<slug:slug>/documents/<int:document_id>/",
        documents.document_download,
        name="document",
    ),
    path("compare/", compare.offering_compare, name="compare"),
    path("unlocks/", unlocks.unlock_calendar, name="unlocks"),
    path("unlocks/feed/<str:token>.ics", unlocks.unlock_feed, name="unlock_feed"),
    path("settings/", preferences.analyst_settings, name="settings"),
    path("venues/", venues.venue_list, name="venues"),
    path("venues/<slug:slug>/", venues.venue_detail, name="venue"),
    path("watchlist/", watch.watchlist, name="watchlist"),
    path("notifications/", watch.notification_list, name="notifications"),
]
