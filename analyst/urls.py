"""The web UI's URLs. Their names keep the namespaces they were born in ("offerings:" for the
offerings' pages, "diligence:" for the method and the reviews), so every reverse() and link
still works."""

from django.urls import include, path

from analyst.views import (
    browse,
    compare,
    detail,
    diligence,
    documents,
    outcomes,
    preferences,
    unlocks,
    venues,
    watch,
)

diligence_patterns = [
    path("methodology/", diligence.methodology_page, name="methodology"),
    path("track-record/", diligence.track_record_page, name="track_record"),
    path("offerings/<slug:slug>/reviews/", diligence.finding_review, name="review"),
    path("offerings/<slug:slug>/workflow/", diligence.workflow, name="workflow"),
]

offerings_patterns = [
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

urlpatterns = [
    path("", include((diligence_patterns, "diligence"))),
    path("", include((offerings_patterns, "offerings"))),
]
