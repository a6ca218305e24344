"""The REST API: /api/v1/ endpoints, the OpenAPI schema and its docs, and the key pages."""

from importlib.util import find_spec

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import pages
from api.problems import not_found
from api.views import diligence, offerings, unlocks, venues

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", pages.api_docs, name="docs"),
    path("keys/", pages.key_list, name="keys"),
    path("keys/<str:key_id>/roll/", pages.key_roll, name="key-roll"),
    path("keys/<str:key_id>/revoke/", pages.key_revoke, name="key-revoke"),
    path("v1/offerings/", offerings.OfferingList.as_view(), name="offerings"),
    path("v1/offerings/<slug:slug>/", offerings.OfferingDetail.as_view(), name="offering"),
    path(
        "v1/offerings/<slug:slug>/assessments/",
        diligence.AssessmentList.as_view(),
        name="assessments",
    ),
    path(
        "v1/offerings/<slug:slug>/assessments/latest/",
        diligence.AssessmentLatest.as_view(),
        name="assessment-latest",
    ),
    path("v1/offerings/<slug:slug>/reviews/", diligence.ReviewList.as_view(), name="reviews"),
    path("v1/checklist/", diligence.Checklist.as_view(), name="checklist"),
    path("v1/unlocks/", unlocks.UnlockList.as_view(), name="unlocks"),
    path("v1/venues/", venues.VenueList.as_view(), name="venues"),
    path("v1/venues/<slug:slug>/", venues.VenueDetail.as_view(), name="venue"),
]
if find_spec("api.webhooks.urls") is not None:
    urlpatterns.append(path("v1/webhooks/", include("api.webhooks.urls")))
# Anything else under /api/ is a problem-details 404, never an HTML page.
urlpatterns.append(re_path(r"", not_found))
