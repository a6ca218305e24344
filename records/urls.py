from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path(
        "records/matches/<int:pk>/<str:decision>/",
        views.record_match_decide,
        name="match-decide",
    ),
]
