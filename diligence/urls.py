from django.urls import path

from diligence import views

app_name = "diligence"

urlpatterns = [
    path("methodology/", views.methodology_page, name="methodology"),
    path("track-record/", views.track_record_page, name="track_record"),
    path("offerings/<slug:slug>/reviews/", views.finding_review, name="review"),
    path("offerings/<slug:slug>/workflow/", views.workflow, name="workflow"),
]
